using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Tools;

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
