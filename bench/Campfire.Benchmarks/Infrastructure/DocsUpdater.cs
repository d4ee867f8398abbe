namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// Refreshes generated blocks of docs/performance.md. Only the text between <c>&lt;!-- NAME:begin --&gt;</c> and
/// <c>&lt;!-- NAME:end --&gt;</c> is replaced, so the hand-written sections around it stay as their owners wrote them.
/// </summary>
public static class DocsUpdater
{
    public static string BeginMarker(string block) => $"<!-- {block}:begin -->";

    public static string EndMarker(string block) => $"<!-- {block}:end -->";

    /// <summary>
    /// Replaces the marked block's content by <paramref name="content"/>. Without markers, appends
    /// <paramref name="heading"/> and a new marked block at the end. Markers out of order or repeated are an error:
    /// guessing there could destroy someone's text.
    /// </summary>
    public static string Replace(string document, string block, string heading, string content)
    {
        var begin = BeginMarker(block);
        var end = EndMarker(block);
        var first = document.IndexOf(begin, StringComparison.Ordinal);
        var last = document.IndexOf(end, StringComparison.Ordinal);
        var body = "\n" + content.TrimEnd('\n') + "\n";
        if (first < 0 && last < 0)
            return document.TrimEnd('\n') + "\n\n" + heading + "\n\n" + begin + body + end + "\n";
        if (first < 0 || last < 0 || last < first
            || document.IndexOf(begin, first + begin.Length, StringComparison.Ordinal) >= 0
            || document.IndexOf(end, last + end.Length, StringComparison.Ordinal) >= 0)
            throw new InvalidDataException($"docs: the markers {begin} ... {end} must appear once each, in that order");
        return document[..(first + begin.Length)] + body + document[last..];
    }

    public static void UpdateFile(string path, string block, string heading, string content)
    {
        var document = File.Exists(path) ? File.ReadAllText(path) : "# Performance\n";
        File.WriteAllText(path, Replace(document, block, heading, content));
    }
}
