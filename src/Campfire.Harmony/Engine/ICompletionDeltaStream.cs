namespace Campfire.Harmony.Engine;

/// <summary>Feeds tokens of a completion one at a time and reports the content text each one adds.</summary>
internal interface ICompletionDeltaStream
{
    /// <summary>Processes <paramref name="token"/>; true when it added content text, returned in <paramref name="delta"/>.
    /// Throws <see cref="HarmonyException"/> when the completion breaks the format.</summary>
    bool Push(int token, out StreamDelta delta);
}
