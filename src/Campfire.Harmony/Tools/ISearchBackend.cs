namespace Campfire.Harmony.Tools;

/// <summary>
/// The document store behind the browser tool. The core only formats pages and keeps the browsing state; ranking and
/// storage live behind this interface (Campfire.Search implements it with Lucene.Net) so the core stays dependency-free.
/// Implementations must be safe to call from several conversations at once.
/// </summary>
public interface ISearchBackend
{
    /// <summary>Shown to the model as the browser's <c>sources=</c> value.</summary>
    string Source { get; }

    /// <summary>The best <paramref name="topN"/> documents for <paramref name="query"/>, best first.</summary>
    IReadOnlyList<SearchHit> Search(string query, int topN);

    /// <summary>The document whose <see cref="BrowserDocument.Id"/> or <see cref="BrowserDocument.Url"/> is <paramref name="idOrUrl"/>, or null.</summary>
    BrowserDocument? Fetch(string idOrUrl);
}

/// <summary>One search result: the document and the passage that matched best.</summary>
/// <param name="Snippet">A short passage of the document that matches the query.</param>
/// <param name="SnippetLine">The 0-based line of <see cref="Snippet"/> in the document text (before browser wrapping), if known.</param>
public sealed record SearchHit(BrowserDocument Document, float Score, string Snippet, int? SnippetLine);

/// <summary>A document the browser can open.</summary>
/// <param name="Id">Stable identifier (the relative path without extension, e.g. <c>choking</c>).</param>
/// <param name="Url">What the page header shows and what <c>open</c> accepts as a string id.</param>
/// <param name="SourceName">Short source label for result links (<c>【id†title†source】</c>), e.g. the file name.</param>
public sealed record BrowserDocument(string Id, string Title, string Url, string SourceName, string Text);
