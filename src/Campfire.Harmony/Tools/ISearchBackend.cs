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
