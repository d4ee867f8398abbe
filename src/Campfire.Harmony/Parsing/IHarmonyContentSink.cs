namespace Campfire.Harmony.Parsing;

/// <summary>
/// Where <see cref="HarmonyStreamParser.ReadPlainContent{TSink}(ReadOnlySpan{int}, ref TSink)"/> hands the content
/// delta of each token it reads. Implement it on a struct: the parser's loop is then compiled for that struct and the
/// call inlined.
/// </summary>
public interface IHarmonyContentSink
{
    /// <summary>
    /// Takes the next token's delta (its bytes, whole code points, valid only during the call), exactly the
    /// <see cref="HarmonyStreamParser.ContentDelta"/> that <see cref="HarmonyStreamParser.Read(int)"/> would report
    /// for it. Returns false to refuse it: the token is then not read, and the parser is as it was before it.
    /// </summary>
    bool TryTake(ReadOnlySpan<byte> delta);
}
