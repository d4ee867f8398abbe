using System.Collections.Immutable;

namespace Campfire.Harmony.Tools;

/// <summary>
/// One page on the browser's stack (its index is the page's cursor): a search-result list, an opened document or a
/// find-result list, in the text form of gpt-oss's reference browser.
/// </summary>
/// <param name="Url">The document's URL; for find results the document's URL plus <c>/find?pattern=…</c>; empty for
/// search results.</param>
/// <param name="Title">The title shown after the cursor in the display header (the query, for search results).</param>
/// <param name="Text">The page text before wrapping; <see cref="Lines"/> is what the model sees.</param>
/// <param name="Kind">What the page lists or holds.</param>
/// <param name="Links">Link id (as shown in <c>【id†…】</c>) → url or document id that <c>open</c> follows.</param>
/// <param name="LinkLines">Link id → line to centre on when the link is opened (search snippets, find matches).</param>
public sealed record BrowserPage(
    string Url,
    string Title,
    string Text,
    BrowserPageKind Kind,
    ImmutableDictionary<int, string> Links,
    ImmutableDictionary<int, int> LinkLines)
{
    private string[]? _lines;

    /// <summary>The document id when <see cref="Kind"/> is <see cref="BrowserPageKind.Document"/>; null otherwise.</summary>
    public string? DocumentId { get; init; }

    /// <summary>The page wrapped at 80 columns, as the line numbers <c>L{n}</c> count them.</summary>
    public IReadOnlyList<string> Lines => _lines ??= BrowserText.WrapLines(Text);
}
