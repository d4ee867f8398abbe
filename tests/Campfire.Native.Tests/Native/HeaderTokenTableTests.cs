using System.Globalization;
using System.Text.RegularExpressions;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native.Tests.Native;

/// <summary>
/// campfire.h carries the C ABI's copy of the special-token table; these tests hold it to the library's own table,
/// <see cref="HarmonyTokens.Named"/>, so that a token added to one and not the other fails here.
/// </summary>
public sealed partial class HeaderTokenTableTests
{
    private sealed record HeaderToken(string Name, int Id, string Literal, int Line);

    [GeneratedRegex(@"^\s*#\s*define\s+CAMPFIRE_TOKEN_")]
    private static partial Regex TokenDefineStart();

    [GeneratedRegex(@"^\s*#\s*define\s+CAMPFIRE_TOKEN_(?<name>[A-Z0-9_]+)\s+(?<id>[0-9]+)\s*/\*\s*(?<literal><\|[^|]+\|>)\s*\*/\s*$")]
    private static partial Regex TokenDefine();

    [GeneratedRegex(@"^\s*#\s*define\s+CAMPFIRE_VOCABULARY_SIZE\s+(?<size>[0-9]+)\b")]
    private static partial Regex VocabularySizeDefine();

    private static readonly string[] HeaderLines = File.ReadAllLines(HeaderPath());

    private static IReadOnlyList<HeaderToken> HeaderTokens()
    {
        var tokens = new List<HeaderToken>();
        for (int i = 0; i < HeaderLines.Length; i++)
        {
            string line = HeaderLines[i];
            if (!TokenDefineStart().IsMatch(line))
                continue;
            Match match = TokenDefine().Match(line);
            Assert.True(match.Success, $"campfire.h line {i + 1} defines a token but not as '#define CAMPFIRE_TOKEN_NAME id /* <|literal|> */': {line}");
            tokens.Add(new HeaderToken(
                match.Groups["name"].Value,
                int.Parse(match.Groups["id"].Value, CultureInfo.InvariantCulture),
                match.Groups["literal"].Value,
                i + 1));
        }
        return tokens;
    }

    [Fact]
    public void Every_token_define_in_the_header_matches_the_library_table()
    {
        var header = HeaderTokens();
        Assert.NotEmpty(header);
        foreach (HeaderToken token in header)
        {
            SpecialToken[] entries = [.. HarmonyTokens.Named.Where(named => named.Id == token.Id)];
            Assert.True(entries.Length == 1, $"campfire.h line {token.Line}: CAMPFIRE_TOKEN_{token.Name} = {token.Id} is not a named token of HarmonyTokens.Named");
            Assert.Equal(entries[0].Literal, token.Literal);
            // The define's name is the literal's name, so the C names cannot drift from the literals either.
            Assert.Equal(token.Literal[2..^2].ToUpperInvariant(), token.Name);
        }
    }

    [Fact]
    public void Every_named_token_of_the_library_table_is_defined_in_the_header()
    {
        var header = HeaderTokens();
        foreach (SpecialToken named in HarmonyTokens.Named)
            Assert.True(header.Any(token => token.Id == named.Id), $"campfire.h has no CAMPFIRE_TOKEN_ define for {named.Literal} ({named.Id})");
    }

    [Fact]
    public void The_header_defines_each_token_once()
    {
        var header = HeaderTokens();
        Assert.Equal(header.Count, header.Select(token => token.Name).Distinct().Count());
        Assert.Equal(header.Count, header.Select(token => token.Id).Distinct().Count());
    }

    [Fact]
    public void The_header_vocabulary_size_matches_the_library()
    {
        Match[] sizes = [.. HeaderLines.Select(line => VocabularySizeDefine().Match(line)).Where(match => match.Success)];
        Assert.Single(sizes);
        Assert.Equal(HarmonyTokens.VocabularySize, int.Parse(sizes[0].Groups["size"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>native/include/campfire.h under the repository root, the first folder above the test binaries that holds Campfire.Core.sln.</summary>
    private static string HeaderPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Campfire.Core.sln")))
                return Path.Combine(directory.FullName, "native", "include", "campfire.h");
        }
        throw new InvalidOperationException($"no Campfire.Core.sln above {AppContext.BaseDirectory}");
    }
}
