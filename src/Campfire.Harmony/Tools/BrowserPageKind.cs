namespace Campfire.Harmony.Tools;

/// <summary>What a <see cref="BrowserPage"/> holds; <c>find</c> only runs on <see cref="Document"/> pages.</summary>
public enum BrowserPageKind
{
    /// <summary>The hits of a <c>search</c>, one link per document.</summary>
    SearchResults,

    /// <summary>An opened document.</summary>
    Document,

    /// <summary>The matches of a <c>find</c> in a document, one link per match.</summary>
    FindResults,
}
