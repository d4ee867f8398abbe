namespace Campfire.Harmony.Tools;

/// <summary>One search result: the document and the passage that matched best.</summary>
/// <param name="Snippet">A short passage of the document that matches the query.</param>
/// <param name="SnippetLine">The 0-based line of <see cref="Snippet"/> in the document text (before browser wrapping), if known.</param>
public sealed record SearchHit(BrowserDocument Document, float Score, string Snippet, int? SnippetLine);
