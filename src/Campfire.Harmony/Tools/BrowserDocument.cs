namespace Campfire.Harmony.Tools;

/// <summary>A document the browser can open.</summary>
/// <param name="Id">Stable identifier (the relative path without extension, e.g. <c>choking</c>).</param>
/// <param name="Title">The page title the browser shows in result links and the display header.</param>
/// <param name="Url">What the page header shows and what <c>open</c> accepts as a string id.</param>
/// <param name="SourceName">Short source label for result links (<c>【id†title†source】</c>), e.g. the file name.</param>
/// <param name="Text">The whole document as plain text with <c>\n</c> line breaks; the browser sanitizes and wraps
/// it for display.</param>
public sealed record BrowserDocument(string Id, string Title, string Url, string SourceName, string Text);
