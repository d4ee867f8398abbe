using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Tools;

/// <summary>A citation checked against the browsing history of the conversation.</summary>
/// <param name="DocumentId">The cited document (null for search or find result pages and unresolved citations).</param>
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
    public bool IsValid => Status == CitationStatus.Valid;

    public override string ToString() =>
        IsValid
            ? $"{Citation.Text} -> {Title} ({Url}) lines {Citation.StartLine}-{Citation.EndLine}"
            : $"{Citation.Text} -> {Status}: {Problem}";
}
