namespace Campfire.Harmony.Tools;

/// <summary>A citation checked against the browsing history of the conversation.</summary>
/// <param name="Citation">The citation as written.</param>
/// <param name="Status">The verdict.</param>
/// <param name="DocumentId">The cited document (null for search or find result pages and unresolved citations).</param>
/// <param name="Title">The cited page's title; null when the cursor names no opened page.</param>
/// <param name="Url">The cited page's URL (empty for search results); null when the cursor names no opened page.</param>
/// <param name="CitedText">The cited lines as the browser showed them (null unless they exist).</param>
/// <param name="Problem">Why the citation is not <see cref="CitationStatus.Valid"/>, in words; null when valid.</param>
public sealed record ResolvedCitation(
    Citation Citation,
    CitationStatus Status,
    string? DocumentId,
    string? Title,
    string? Url,
    string? CitedText,
    string? Problem)
{
    /// <summary>Whether <see cref="Status"/> is <see cref="CitationStatus.Valid"/>.</summary>
    public bool IsValid => Status == CitationStatus.Valid;

    /// <summary>One line for logs: the citation and its page and lines, or its status and problem.</summary>
    public override string ToString() =>
        IsValid
            ? $"{Citation.Text} -> {Title} ({Url}) lines {Citation.StartLine}-{Citation.EndLine}"
            : $"{Citation.Text} -> {Status}: {Problem}";
}
