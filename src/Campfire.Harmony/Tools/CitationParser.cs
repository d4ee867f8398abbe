using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Tools;

/// <summary>Finds the citations in an answer.</summary>
public static partial class CitationParser
{
    /// <summary>Every well-formed citation (<c>【3†L10-L15】</c>, <c>【3†L10】</c>) in <paramref name="text"/>, in order;
    /// other bracketed text, such as the browser's own <c>【id†title】</c> links, is not a citation.</summary>
    /// <param name="text">The answer.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
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

    /// <summary>Resolves every citation of <paramref name="text"/>, in order; with no source every citation is
    /// <see cref="CitationStatus.PageNotOpened"/>.</summary>
    /// <param name="text">The answer.</param>
    /// <param name="source">What checks the citations (the conversation's browser); null when there is none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static ImmutableArray<ResolvedCitation> Resolve(string text, ICitationSource? source) =>
        [.. Parse(text).Select(c => source?.Resolve(c)
            ?? new ResolvedCitation(c, CitationStatus.PageNotOpened, null, null, null, null, "no browser tool is registered, so no page was opened"))];

    private static int ParseNumber(string digits) => int.TryParse(digits, out var value) ? value : int.MaxValue;

    [GeneratedRegex(@"【(?<cursor>\d+)†L(?<start>\d+)(?:-L(?<end>\d+))?】")]
    private static partial Regex CitationPattern();
}
