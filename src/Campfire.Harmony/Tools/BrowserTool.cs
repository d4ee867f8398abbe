using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>
/// The browser tool gpt-oss was trained with (<c>browser.search</c>, <c>browser.open</c>, <c>browser.find</c>) over an
/// <see cref="ISearchBackend"/>, answering in the text format of gpt-oss's reference browser: each display starts with
/// its cursor <c>[n]</c>, a title line and a scrollbar, and numbers lines <c>L{n}: </c>. Keeps the page stack of one
/// conversation and checks citations against it (<see cref="ICitationSource"/>). Not thread-safe: one per conversation.
/// </summary>
public sealed class BrowserTool : ITool, ICitationSource
{
    /// <summary>The built-in namespace gpt-oss calls the browser by: recipients <c>browser.search</c>,
    /// <c>browser.open</c>, <c>browser.find</c>.</summary>
    public const string Namespace = "browser";

    private readonly ISearchBackend _backend;
    private readonly BrowserToolOptions _options;
    private readonly Func<string, int> _countTokens;
    private readonly List<BrowserPage> _stack = [];
    private readonly Dictionary<string, BrowserPage> _pagesByUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Start, int End)>> _shownLines = new(StringComparer.Ordinal);

    /// <summary>A browser with an empty page stack over <paramref name="backend"/>.</summary>
    /// <param name="backend">Where searches and fetches go.</param>
    /// <param name="options">View size and search limits; null uses <see cref="BrowserToolOptions.Default"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="BrowserToolOptions.ViewTokens"/> is less than 1, or not
    /// 1 &lt;= <see cref="BrowserToolOptions.DefaultTopN"/> &lt;= <see cref="BrowserToolOptions.MaxSearchResults"/>.</exception>
    public BrowserTool(ISearchBackend backend, BrowserToolOptions? options = null)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _options = options ?? BrowserToolOptions.Default;
        if (_options.ViewTokens < 1) throw new ArgumentOutOfRangeException(nameof(options), "ViewTokens must be positive.");
        if (_options.DefaultTopN < 1 || _options.MaxSearchResults < _options.DefaultTopN)
            throw new ArgumentOutOfRangeException(nameof(options), "Need 1 <= DefaultTopN <= MaxSearchResults.");
        _countTokens = _options.CountTokens ?? DefaultTokenCounter;
    }

    /// <summary>The pages shown so far, oldest first (a live view); a page's index is its cursor. Every successful
    /// call pushes one page, even when it scrolls or reopens one already on the stack.</summary>
    public IReadOnlyList<BrowserPage> Pages => _stack;

    /// <summary>The document store given to the constructor.</summary>
    public ISearchBackend Backend => _backend;

    /// <summary>A new browser over <paramref name="corpus"/> (one per conversation) and its registration.</summary>
    /// <param name="corpus">Where searches and fetches go.</param>
    /// <param name="options">View size and search limits; null uses <see cref="BrowserToolOptions.Default"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="corpus"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> is inconsistent (see the constructor).</exception>
    public static ToolConfig CreateBrowserToolConfig(ISearchBackend corpus, BrowserToolOptions? options = null) =>
        new BrowserTool(corpus, options).CreateConfig();

    /// <summary>The registration for this browser: the built-in <c>browser</c> namespace the way gpt-oss knows it, with
    /// the backend's <see cref="ISearchBackend.Source"/> in its description and this browser as the handler.</summary>
    public ToolConfig CreateConfig() =>
        new(Namespace, new ToolDefinition(Namespace, BrowserDescription(_backend.Source)), this) { Methods = BrowserMethods };

    /// <summary>Empties the page stack and forgets which lines were shown, so earlier cursors no longer resolve.</summary>
    public void Reset()
    {
        _stack.Clear();
        _pagesByUrl.Clear();
        _shownLines.Clear();
    }

    /// <summary>Runs <c>search</c>, <c>open</c> or <c>find</c> (by <see cref="ToolCall.Method"/>) and pushes the page
    /// it shows. Completes synchronously.</summary>
    /// <param name="call">The call; its arguments are a JSON object (empty arguments count as <c>{}</c>).</param>
    /// <param name="cancellationToken">Checked once before the call runs.</param>
    /// <returns>The page display: <c>[cursor] title (url)</c>, the viewed line range, then numbered lines.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> is null.</exception>
    /// <exception cref="ToolUsageException">The call is wrong (unknown method, bad or missing arguments, invalid cursor,
    /// link or location, unknown document) or the backend failed; the message is written for the model and no page
    /// is pushed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<string> InvokeAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        cancellationToken.ThrowIfCancellationRequested();
        var args = ParseArguments(call.Args);
        var result = call.Method switch
        {
            "search" => Search(args),
            "open" => Open(args),
            "find" => Find(args),
            _ => throw new ToolUsageException($"Unknown function: {call.Method}"),
        };
        return ValueTask.FromResult(result);
    }

    // --- search -------------------------------------------------------------------------------------------------

    private string Search(JsonElement args)
    {
        var query = GetString(args, "query") ?? GetString(args, "q");
        if (string.IsNullOrWhiteSpace(query))
            throw new ToolUsageException("`search` needs a non-empty `query`.");
        var topN = GetInt(args, "topn") ?? GetInt(args, "top_n") ?? GetInt(args, "k") ?? _options.DefaultTopN;
        if (topN < 1) throw new ToolUsageException($"`topn` must be at least 1, not {topN}.");
        topN = Math.Min(topN, _options.MaxSearchResults);

        IReadOnlyList<SearchHit> hits;
        try
        {
            hits = _backend.Search(query, topN);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ToolUsageException)
        {
            throw new ToolUsageException($"Error during search for `{query}`: {BrowserText.Truncate(e.Message)}");
        }

        var text = new StringBuilder("\nURL: \n# Search Results\n\n");
        var links = ImmutableDictionary.CreateBuilder<int, string>();
        var linkLines = ImmutableDictionary.CreateBuilder<int, int>();
        if (hits.Count == 0)
            text.Append("No results for: `").Append(query).Append('`');
        for (var i = 0; i < hits.Count; i++)
        {
            var hit = hits[i];
            if (i > 0) text.Append('\n');
            text.Append("  * ").Append(BrowserText.Link(i, hit.Document.Title, hit.Document.SourceName));
            var snippet = MergeWhitespace(BrowserText.SanitizeDocumentText(hit.Snippet));
            if (snippet.Length > 0) text.Append(' ').Append(snippet);
            links[i] = hit.Document.Id;
            if (hit.SnippetLine is { } line) linkLines[i] = DocumentLineToPageLine(hit.Document, line);
        }
        var page = new BrowserPage("", query, text.ToString(), BrowserPageKind.SearchResults, links.ToImmutable(), linkLines.ToImmutable());
        Push(page);
        return ShowSafely(0, -1);
    }

    // --- open ---------------------------------------------------------------------------------------------------

    private string Open(JsonElement args)
    {
        var cursor = GetInt(args, "cursor") ?? -1;
        var loc = GetInt(args, "loc") ?? GetInt(args, "start") ?? -1;
        var numLines = GetInt(args, "num_lines") ?? -1;
        if (numLines <= 0 && GetInt(args, "end") is { } end)
        {
            if (loc < 0) loc = 0;
            if (end < loc) throw new ToolUsageException($"`end` ({end}) is before `start` ({loc}).");
            numLines = end - loc + 1;
        }

        JsonElement id = default;
        var hasId = args.TryGetProperty("id", out id) || args.TryGetProperty("doc_id", out id);
        BrowserPage page;
        int? hintLine = null;
        if (hasId && id.ValueKind == JsonValueKind.String)
        {
            page = PageForDocument(id.GetString()!);
        }
        else
        {
            var linkId = -1;
            if (hasId)
            {
                if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out linkId))
                    throw new ToolUsageException($"`id` must be a link number or a document id string, not `{id.GetRawText()}`.");
            }
            var current = GetPage(cursor);
            if (linkId >= 0)
            {
                if (!current.Links.TryGetValue(linkId, out var target))
                    throw new ToolUsageException($"Invalid link id `{linkId}`.");
                page = PageForDocument(target);
                if (current.LinkLines.TryGetValue(linkId, out var line)) hintLine = line;
            }
            else
            {
                page = current; // scroll the current page
            }
        }

        if (loc < 0)
            loc = hintLine is { } hint ? (hint > 4 ? hint - 4 : hint) : 0;
        Push(page);
        return ShowSafely(loc, numLines);
    }

    // --- find ---------------------------------------------------------------------------------------------------

    private string Find(JsonElement args)
    {
        var pattern = GetString(args, "pattern");
        if (string.IsNullOrEmpty(pattern))
            throw new ToolUsageException("`find` needs a non-empty `pattern`.");
        var after = GetInt(args, "after") ?? 0;
        if (after < 0) throw new ToolUsageException($"`after` must not be negative, not {after}.");

        BrowserPage page;
        if (args.TryGetProperty("doc_id", out var docId) && docId.ValueKind == JsonValueKind.String)
            page = PageForDocument(docId.GetString()!);
        else
            page = GetPage(GetInt(args, "cursor") ?? -1);
        if (page.Kind != BrowserPageKind.Document)
            throw new ToolUsageException("Cannot run `find` on search results page or find results page");

        const int ShownLines = 4;
        const int MaxResults = 50;
        var needle = pattern.ToLowerInvariant();
        var lines = BrowserText.StripLinks(string.Join('\n', page.Lines)).Split('\n');
        var chunks = new List<string>();
        var links = ImmutableDictionary.CreateBuilder<int, string>();
        var linkLines = ImmutableDictionary.CreateBuilder<int, int>();
        var lineIndex = after;
        while (lineIndex < lines.Length && chunks.Count < MaxResults)
        {
            if (!lines[lineIndex].Contains(needle, StringComparison.OrdinalIgnoreCase))
            {
                lineIndex++;
                continue;
            }
            var matchIndex = chunks.Count;
            var snippet = string.Join('\n', lines.Skip(lineIndex).Take(ShownLines));
            chunks.Add($"# 【{matchIndex}†match at L{lineIndex}】\n{snippet}");
            links[matchIndex] = page.Url;
            linkLines[matchIndex] = lineIndex;
            lineIndex += ShownLines;
        }
        var text = chunks.Count > 0 ? string.Join("\n\n", chunks) : $"No `find` results for pattern: `{needle}`";
        var findPage = new BrowserPage(
            $"{page.Url}/find?pattern={Uri.EscapeDataString(needle)}",
            $"Find results for text: `{needle}` in `{page.Title}`",
            text,
            BrowserPageKind.FindResults,
            links.ToImmutable(),
            linkLines.ToImmutable());
        Push(findPage);
        return ShowSafely(0, -1);
    }

    // --- pages and display --------------------------------------------------------------------------------------

    private BrowserPage GetPage(int cursor)
    {
        if (_stack.Count == 0) throw new ToolUsageException("No pages to access!");
        if (cursor == -1) return _stack[^1];
        if (cursor < 0 || cursor >= _stack.Count)
            throw new ToolUsageException($"Cursor `{cursor}` is out of range. Available cursor indices: [0 - {_stack.Count - 1}].");
        return _stack[cursor];
    }

    private BrowserPage PageForDocument(string idOrUrl)
    {
        if (_pagesByUrl.TryGetValue(idOrUrl, out var cached) && cached.Kind == BrowserPageKind.Document) return cached;
        BrowserDocument? document;
        try
        {
            document = _backend.Fetch(idOrUrl);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new ToolUsageException($"Error fetching URL `{BrowserText.Truncate(idOrUrl)}`: {BrowserText.Truncate(e.Message)}");
        }
        if (document is null)
            throw new ToolUsageException($"Error fetching URL `{BrowserText.Truncate(idOrUrl)}`: no such document");
        if (_pagesByUrl.TryGetValue(document.Url, out cached)) return cached;
        return new BrowserPage(
            document.Url,
            document.Title,
            DocumentPageText(document),
            BrowserPageKind.Document,
            ImmutableDictionary<int, string>.Empty,
            ImmutableDictionary<int, int>.Empty) { DocumentId = document.Id };
    }

    private static string DocumentPageText(BrowserDocument document) =>
        $"\nURL: {document.Url}\n{BrowserText.SanitizeDocumentText(document.Text)}";

    // The page starts with a blank line and the URL line; wrapping may split long lines before the snippet.
    private static int DocumentLineToPageLine(BrowserDocument document, int documentLine)
    {
        var text = BrowserText.SanitizeDocumentText(document.Text).Split('\n');
        var before = string.Join('\n', text.Take(Math.Clamp(documentLine, 0, text.Length)));
        var wrappedBefore = documentLine <= 0 ? 0 : BrowserText.WrapLines(before).Length;
        return 2 + wrappedBefore;
    }

    private void Push(BrowserPage page)
    {
        _stack.Add(page);
        if (page.Url.Length > 0) _pagesByUrl[page.Url] = page;
        if (page.DocumentId is not null) _pagesByUrl[page.DocumentId] = page;
    }

    private string ShowSafely(int loc, int numLines)
    {
        try
        {
            return Show(loc, numLines);
        }
        catch (ToolUsageException)
        {
            _stack.RemoveAt(_stack.Count - 1);
            throw;
        }
    }

    private string Show(int loc, int numLines)
    {
        var cursor = _stack.Count - 1;
        var page = _stack[cursor];
        var lines = page.Lines;
        var total = lines.Count;
        if (loc >= total)
            throw new ToolUsageException($"Invalid location parameter: `{loc}`. Cannot exceed page maximum of {total - 1}.");
        var end = EndOfView(lines, loc, numLines);
        RecordShown(page.Url, loc, end);

        var display = new StringBuilder();
        display.Append('[').Append(cursor).Append("] ").Append(page.Title);
        var domain = BrowserText.Truncate(Uri.UnescapeDataString(page.Url));
        if (domain.Length > 0) display.Append(" (").Append(domain).Append(')');
        display.Append("\n**viewing lines [").Append(loc).Append(" - ").Append(end - 1).Append("] of ").Append(total - 1).Append("**\n\n");
        display.Append(BrowserText.JoinNumbered(lines, loc, end));
        return display.ToString();
    }

    // With no line count, show as many lines as fit in the view's token budget (the line that crosses it included).
    private int EndOfView(IReadOnlyList<string> lines, int loc, int numLines)
    {
        var total = lines.Count;
        if (numLines > 0) return Math.Min(loc + numLines, total);
        var budget = _options.ViewTokens;
        var used = 0;
        for (var i = loc; i < total; i++)
        {
            used += _countTokens($"L{i}: {lines[i]}\n");
            if (used > budget) return i + 1;
        }
        return total;
    }

    private void RecordShown(string url, int start, int end)
    {
        if (!_shownLines.TryGetValue(url, out var ranges)) _shownLines[url] = ranges = [];
        ranges.Add((start, end));
    }

    // --- citations ----------------------------------------------------------------------------------------------

    /// <summary>Checks a citation against this conversation's pages: the cursor must be on the stack, the lines must
    /// exist on that page, and every cited line must have been displayed (by any view of the same URL).</summary>
    /// <param name="citation">A citation from <see cref="CitationParser.Parse"/> (its line numbers are never negative).</param>
    /// <returns>The verdict, with the page's title, URL and cited text where they exist: a citation that does not check
    /// out gives a status, not an exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="citation"/> is null.</exception>
    public ResolvedCitation Resolve(Citation citation)
    {
        ArgumentNullException.ThrowIfNull(citation);
        if (citation.Cursor < 0 || citation.Cursor >= _stack.Count)
        {
            var available = _stack.Count == 0 ? "no page was opened" : $"opened cursors are 0 - {_stack.Count - 1}";
            return new ResolvedCitation(citation, CitationStatus.PageNotOpened, null, null, null, null,
                $"cursor {citation.Cursor} was never opened in this conversation ({available})");
        }
        var page = _stack[citation.Cursor];
        var lastLine = page.Lines.Count - 1;
        if (citation.StartLine > citation.EndLine || citation.EndLine > lastLine)
        {
            return new ResolvedCitation(citation, CitationStatus.LinesOutOfRange, page.DocumentId, page.Title, page.Url, null,
                citation.StartLine > citation.EndLine
                    ? $"line range L{citation.StartLine}-L{citation.EndLine} is reversed"
                    : $"lines L{citation.StartLine}-L{citation.EndLine} are outside page {citation.Cursor} ({page.Title}), which has lines L0-L{lastLine}");
        }
        var cited = string.Join('\n', Enumerable.Range(citation.StartLine, citation.EndLine - citation.StartLine + 1).Select(i => page.Lines[i]));
        var shown = _shownLines.TryGetValue(page.Url, out var ranges) ? ranges : [];
        for (var line = citation.StartLine; line <= citation.EndLine; line++)
        {
            var lineNumber = line;
            if (!shown.Any(r => lineNumber >= r.Start && lineNumber < r.End))
            {
                return new ResolvedCitation(citation, CitationStatus.LinesNotShown, page.DocumentId, page.Title, page.Url, cited,
                    $"line L{line} of page {citation.Cursor} ({page.Title}) was never displayed to the model");
            }
        }
        return new ResolvedCitation(citation, CitationStatus.Valid, page.DocumentId, page.Title, page.Url, cited, null);
    }

    // --- definitions --------------------------------------------------------------------------------------------

    /// <summary>The namespace description gpt-oss's browser uses (the reference's), with the backend's source name.</summary>
    /// <param name="source">Replaces the reference's <c>sources=</c> value, e.g. <c>web</c> or a corpus name.</param>
    public static string BrowserDescription(string source)
    {
        var reference = ToolNamespaceConfig.Browser.Description!;
        return string.Concat(reference.AsSpan(0, reference.LastIndexOf("sources=", StringComparison.Ordinal)), "sources=", source);
    }

    /// <summary>search/open/find with the parameter schemas of the reference's built-in browser namespace.</summary>
    public static ImmutableArray<ToolDefinition> BrowserMethods { get; } = BuiltInToolNamespaces.Methods(Namespace);

    // --- argument helpers ---------------------------------------------------------------------------------------

    private static JsonElement ParseArguments(string args)
    {
        if (string.IsNullOrWhiteSpace(args))
        {
            using var empty = JsonDocument.Parse("{}");
            return empty.RootElement.Clone();
        }
        try
        {
            using var document = JsonDocument.Parse(args);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ToolUsageException("Invalid function arguments: expected a JSON object.");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ToolUsageException($"Invalid function arguments: {e.Message}");
        }
    }

    private static string? GetString(JsonElement args, string name)
    {
        if (!args.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ToolUsageException($"`{name}` must be a string, not `{value.GetRawText()}`.");
    }

    private static int? GetInt(JsonElement args, string name)
    {
        if (!args.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && number == Math.Floor(number)
            && number is >= int.MinValue and <= int.MaxValue)
            return (int)number;
        if (value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), out var parsed))
            return parsed;
        throw new ToolUsageException($"`{name}` must be an integer, not `{value.GetRawText()}`.");
    }

    private static string MergeWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    private static int DefaultTokenCounter(string text) => Tokenization.O200kHarmonyTokenizer.Instance.CountTokens(text);
}
