using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Engine;

/// <summary>A citation as the model writes it in an answer: <c>【{cursor}†L{start}-L{end}】</c> or <c>【{cursor}†L{line}】</c>.</summary>
/// <param name="Index">Where the citation starts in the answer text (UTF-16 index).</param>
/// <param name="Length">Its length in UTF-16 code units.</param>
public sealed record Citation(int Cursor, int StartLine, int EndLine, int Index, int Length, string Text);

public enum CitationStatus
{
    /// <summary>The cursor names a page opened in this conversation and the lines exist and were shown.</summary>
    Valid,

    /// <summary>No page with that cursor was opened in this conversation.</summary>
    PageNotOpened,

    /// <summary>The page exists but the lines are past its end (or the range is reversed).</summary>
    LinesOutOfRange,

    /// <summary>The lines exist but the browser never displayed them: the model cannot have read them.</summary>
    LinesNotShown,
}

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

/// <summary>Something that knows the pages a conversation has opened (the browser tool) and can check citations.</summary>
public interface ICitationSource
{
    ResolvedCitation Resolve(Citation citation);
}

/// <summary>Finds the citations in an answer.</summary>
public static partial class CitationParser
{
    public static ImmutableArray<Citation> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = ImmutableArray.CreateBuilder<Citation>();
        foreach (Match match in CitationPattern().Matches(text))
        {
            // Numbers too large for an int cannot name a real cursor or line; clamp so they resolve as out of range.
            var cursor = ParseNumber(match.Groups["cursor"].Value);
            var start = ParseNumber(match.Groups["start"].Value);
            var end = match.Groups["end"].Success ? ParseNumber(match.Groups["end"].Value) : start;
            builder.Add(new Citation(cursor, start, end, match.Index, match.Length, match.Value));
        }
        return builder.ToImmutable();
    }

    /// <summary>Resolves every citation of <paramref name="text"/>; with no source every citation is unresolvable.</summary>
    public static ImmutableArray<ResolvedCitation> Resolve(string text, ICitationSource? source) =>
        [.. Parse(text).Select(c => source?.Resolve(c)
            ?? new ResolvedCitation(c, CitationStatus.PageNotOpened, null, null, null, null, "no browser tool is registered, so no page was opened"))];

    private static int ParseNumber(string digits) => int.TryParse(digits, out var value) ? value : int.MaxValue;

    [GeneratedRegex(@"【(?<cursor>\d+)†L(?<start>\d+)(?:-L(?<end>\d+))?】")]
    private static partial Regex CitationPattern();
}
