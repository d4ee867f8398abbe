using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Campfire.Search;

/// <summary>
/// Reads a folder of Markdown, text, HTML and PDF files into <see cref="CorpusDocument"/>s: the title from the first
/// heading (or HTML title, or PDF metadata, or the file name), the text as plain lines.
/// </summary>
public static partial class DocumentLoader
{
    public static readonly IReadOnlySet<string> SupportedExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown", ".txt", ".html", ".htm", ".pdf" };

    /// <summary>Every supported file under <paramref name="directory"/> (recursively, in ordinal path order).</summary>
    public static IReadOnlyList<CorpusDocument> LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new CorpusException($"{directory}: corpus folder not found");
        var root = Path.GetFullPath(directory);
        var documents = new List<CorpusDocument>();
        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!SupportedExtensions.Contains(Path.GetExtension(path))) continue;
            if (Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'))) continue;
            documents.Add(LoadFile(path, root));
        }
        return documents;
    }

    /// <summary>One file; its id is its path relative to <paramref name="root"/> without extension.</summary>
    public static CorpusDocument LoadFile(string path, string root)
    {
        var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        var id = relative[..^Path.GetExtension(relative).Length];
        var extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return extension switch
            {
                ".pdf" => FromPdf(id, Path.GetFileName(path), File.ReadAllBytes(path)),
                ".html" or ".htm" => FromHtml(id, Path.GetFileName(path), File.ReadAllText(path)),
                ".md" or ".markdown" => FromMarkdown(id, Path.GetFileName(path), File.ReadAllText(path)),
                ".txt" => FromText(id, Path.GetFileName(path), File.ReadAllText(path)),
                _ => throw new CorpusException($"{path}: unsupported file type '{extension}'"),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{path}: cannot read file: {e.Message}", e);
        }
    }

    public static CorpusDocument FromMarkdown(string id, string sourceName, string markdown)
    {
        var text = NormalizeNewlines(markdown);
        var title = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Trim();
        return new CorpusDocument(id, string.IsNullOrWhiteSpace(title) ? TitleFromId(id) : title, sourceName, text.Trim('\n'));
    }

    public static CorpusDocument FromText(string id, string sourceName, string text)
    {
        var normalized = NormalizeNewlines(text).Trim('\n');
        var firstLine = normalized.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        var title = firstLine is { Length: > 0 and <= 120 } ? firstLine : TitleFromId(id);
        return new CorpusDocument(id, title, sourceName, normalized);
    }

    /// <summary>HTML to readable text: scripts and styles dropped, block elements on their own lines, headings as <c>#</c>.</summary>
    public static CorpusDocument FromHtml(string id, string sourceName, string html)
    {
        var titleMatch = HtmlTitle().Match(html);
        var body = ScriptOrStyle().Replace(html, "");
        body = HtmlComment().Replace(body, "");
        body = HtmlTitle().Replace(body, "");
        body = Heading().Replace(body, m => "\n" + new string('#', m.Groups[1].Value[0] - '0') + " ");
        body = ListItem().Replace(body, "\n\u0001* ");
        body = BlockBreak().Replace(body, "\n");
        body = AnyTag().Replace(body, "");
        body = WebUtility.HtmlDecode(body);
        var lines = NormalizeNewlines(body).Split('\n').Select(l => SpaceRun().Replace(l, " ").TrimEnd().Replace("\u0001", "  ", StringComparison.Ordinal));
        var text = ExtraBlankLines().Replace(string.Join('\n', lines), "\n\n").Trim('\n');
        var title = titleMatch.Success ? WebUtility.HtmlDecode(titleMatch.Groups[1].Value).Trim() : null;
        title ??= text.Split('\n').FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Trim();
        return new CorpusDocument(id, string.IsNullOrWhiteSpace(title) ? TitleFromId(id) : title, sourceName, text);
    }

    /// <summary>PDF text through PdfPig, page by page in reading order.</summary>
    public static CorpusDocument FromPdf(string id, string sourceName, byte[] pdf)
    {
        try
        {
            using var document = PdfDocument.Open(pdf);
            var text = new StringBuilder();
            foreach (var page in document.GetPages())
            {
                if (text.Length > 0) text.Append("\n\n");
                text.Append(NormalizeNewlines(ContentOrderTextExtractor.GetText(page)).Trim('\n'));
            }
            var title = document.Information.Title;
            var body = text.ToString();
            if (string.IsNullOrWhiteSpace(title))
                title = body.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length is > 0 and <= 120);
            return new CorpusDocument(id, string.IsNullOrWhiteSpace(title) ? TitleFromId(id) : title.Trim(), sourceName, body);
        }
        catch (Exception e) when (e is not CorpusException and not OutOfMemoryException)
        {
            throw new CorpusException($"{sourceName}: not a readable PDF: {e.Message}", e);
        }
    }

    private static string TitleFromId(string id) => id[(id.LastIndexOf('/') + 1)..].Replace('-', ' ').Replace('_', ' ');

    private static string NormalizeNewlines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    [GeneratedRegex(@"<title[^>]*>(.*?)</title>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex HtmlTitle();

    [GeneratedRegex(@"<(script|style|head)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex HtmlComment();

    [GeneratedRegex(@"<h([1-6])\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Heading();

    [GeneratedRegex(@"<li\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ListItem();

    [GeneratedRegex(@"<(br|/p|p|/div|div|/h[1-6]|/li|/ul|/ol|tr|/tr|/table|section|/section|article|/article)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockBreak();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"[ \t\f\v]+")]
    private static partial Regex SpaceRun();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex ExtraBlankLines();
}
