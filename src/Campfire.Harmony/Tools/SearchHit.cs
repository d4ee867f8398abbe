namespace Campfire.Harmony.Tools;

/// <summary>One search result: the document and the passage that matched best.</summary>
/// <param name="Document">The matching document; the browser links it by <see cref="BrowserDocument.Id"/>.</param>
/// <param name="Score">The backend's relevance score, higher is better; its scale is the backend's own and the browser
/// does not show it.</param>
/// <param name="Snippet">A short passage of the document that matches the query.</param>
/// <param name="SnippetLine">The 0-based line of <see cref="Snippet"/> in the document text (before browser wrapping), if known.</param>
public sealed record SearchHit(BrowserDocument Document, float Score, string Snippet, int? SnippetLine);
