using System.Text;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Tools;

/// <summary>
/// The text conventions of gpt-oss's reference browser (gpt_oss/tools/simple_browser): 80-column wrapping that keeps
/// whitespace, <c>L{n}: </c> line numbers, <c>【id†text†source】</c> links, and the display header with a scrollbar.
/// </summary>
public static partial class BrowserText
{
    /// <summary>The column count pages are wrapped at, as in the reference browser; line numbers count wrapped lines.</summary>
    public const int WrapWidth = 80;

    /// <summary>Splits on newlines and wraps each line at <paramref name="width"/> columns without dropping or
    /// collapsing whitespace (Python's textwrap with replace_whitespace and drop_whitespace off); empty lines stay.</summary>
    /// <param name="text">The text, with <c>\n</c> line breaks.</param>
    /// <param name="width">The most UTF-16 code units per line; at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is less than 1.</exception>
    public static string[] WrapLines(string text, int width = WrapWidth)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width));
        var result = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                result.Add("");
                continue;
            }
            current.Clear();
            foreach (var chunk in Chunks(line))
            {
                if (current.Length + chunk.Length <= width)
                {
                    current.Append(chunk);
                    continue;
                }
                if (current.Length > 0 && chunk.Length <= width)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    current.Append(chunk);
                    continue;
                }
                // A chunk longer than the width is broken to fill the current line first, like break_long_words.
                var rest = chunk.AsSpan();
                while (current.Length + rest.Length > width)
                {
                    var take = width - current.Length;
                    current.Append(rest[..take]);
                    rest = rest[take..];
                    result.Add(current.ToString());
                    current.Clear();
                }
                current.Append(rest);
            }
            if (current.Length > 0) result.Add(current.ToString());
        }
        return [.. result];
    }

    // Runs of whitespace and runs of non-whitespace alternate, as textwrap splits them.
    private static IEnumerable<string> Chunks(string line)
    {
        var start = 0;
        for (var i = 1; i <= line.Length; i++)
        {
            if (i == line.Length || char.IsWhiteSpace(line[i]) != char.IsWhiteSpace(line[i - 1]))
            {
                yield return line[start..i];
                start = i;
            }
        }
    }

    /// <summary>Joins <paramref name="lines"/>[<paramref name="start"/>..<paramref name="end"/>) with <c>\n</c>, each
    /// prefixed with its index as <c>L{n}: </c>.</summary>
    /// <param name="lines">All lines of the page, so the numbers are the page's line numbers.</param>
    /// <param name="start">The first line to write; at least 0.</param>
    /// <param name="end">One past the last line to write, at most <paramref name="lines"/>' count; an empty result when
    /// not past <paramref name="start"/>.</param>
    public static string JoinNumbered(IReadOnlyList<string> lines, int start, int end)
    {
        var builder = new StringBuilder();
        for (var i = start; i < end; i++)
        {
            if (i > start) builder.Append('\n');
            builder.Append('L').Append(i).Append(": ").Append(lines[i]);
        }
        return builder.ToString();
    }

    /// <summary>Replaces the link markup <c>【id†text(†source)】</c> with its text (also half links cut by wrapping).</summary>
    /// <param name="text">Page text, e.g. a window of wrapped lines.</param>
    public static string StripLinks(string text)
    {
        text = PartialInitialLink().Replace(text, "");
        text = PartialFinalLink().Replace(text, m => m.Groups["content"].Value);
        return FullLink().Replace(text, m => m.Groups["content"].Value);
    }

    /// <summary>Document text may not contain the link brackets the browser uses itself; swap them for look-alikes.
    /// Also drops zero-width spaces and turns <c>\r\n</c> into <c>\n</c>.</summary>
    /// <param name="text">Text from a document.</param>
    public static string SanitizeDocumentText(string text) =>
        text.Replace('【', '〖').Replace('】', '〗').Replace("\u200b", "", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>A link as the browser shows it: <c>【id†title†source】</c>; † and brackets in the parts are replaced.</summary>
    /// <param name="id">The link id that <c>open</c> takes.</param>
    /// <param name="title">The link text.</param>
    /// <param name="source">A short source label; null or empty writes <c>【id†title】</c>.</param>
    public static string Link(int id, string title, string? source)
    {
        var safeTitle = CleanLinkPart(title);
        return string.IsNullOrEmpty(source) ? $"【{id}†{safeTitle}】" : $"【{id}†{safeTitle}†{CleanLinkPart(source)}】";
    }

    private static string CleanLinkPart(string part) =>
        part.Replace('†', '‡').Replace('【', '〖').Replace('】', '〗').Replace('\n', ' ');

    /// <summary>Shortens to <paramref name="maxChars"/> with a trailing "..." (the reference's maybe_truncate).</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxChars">The most UTF-16 code units of the result, the "..." included; at least 3.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="text"/> is longer than <paramref name="maxChars"/>
    /// and <paramref name="maxChars"/> is less than 3.</exception>
    public static string Truncate(string text, int maxChars = 1024) =>
        text.Length > maxChars ? string.Concat(text.AsSpan(0, maxChars - 3), "...") : text;

    [GeneratedRegex(@"^[^【】]*】")]
    private static partial Regex PartialInitialLink();

    [GeneratedRegex(@"【\d*(?:†(?<content>[^†】]*)(?:†[^†】]*)?)?$")]
    private static partial Regex PartialFinalLink();

    [GeneratedRegex(@"【\d+†(?<content>[^†】]+)(?:†[^†】]+)?】")]
    private static partial Regex FullLink();
}
