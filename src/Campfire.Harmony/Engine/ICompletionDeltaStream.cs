namespace Campfire.Harmony.Engine;

/// <summary>Feeds tokens of a completion one at a time, reports the content text each one adds, and collects the
/// completion's messages: the one parse of a generated turn.</summary>
internal interface ICompletionDeltaStream
{
    /// <summary>Processes <paramref name="token"/>; true when it added content text, returned in <paramref name="delta"/>.
    /// Throws <see cref="HarmonyException"/> when even the lenient parse gives up (a limit); later tokens are then
    /// ignored and <see cref="Finish"/> says why.</summary>
    bool Push(int token, out StreamDelta delta);

    /// <summary>Ends the stream: the completed messages and the parse's diagnostics.</summary>
    CodecParseResult Finish();
}
