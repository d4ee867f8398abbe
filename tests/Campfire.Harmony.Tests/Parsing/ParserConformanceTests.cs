using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>
/// The 400 generated completions of Conformance/generated/parse.jsonl (a third damaged on purpose): our strict and
/// non-strict parsers must give exactly the reference's messages, or refuse exactly where it refuses.
/// </summary>
public sealed class ParserConformanceTests
{
    public sealed record Case(string Id, bool Mutated, int[] Tokens, JsonElement Strict, JsonElement NonStrict);

    private static readonly Lazy<List<Case>> Cases = new(() =>
    {
        var cases = new List<Case>();
        foreach (var line in File.ReadLines(ConformancePath("generated", "parse.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            cases.Add(new Case(
                root.GetProperty("id").GetString()!,
                root.GetProperty("mutated").GetBoolean(),
                root.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("strict").Clone(),
                root.GetProperty("non_strict").Clone()));
        }
        return cases;
    });

    internal static IReadOnlyList<Case> AllCases => Cases.Value;

    [Fact]
    public void The_vector_file_holds_400_cases_a_third_of_them_damaged()
    {
        Assert.Equal(400, Cases.Value.Count);
        Assert.InRange(Cases.Value.Count(c => c.Mutated), 100, 200);
        Assert.Contains(Cases.Value, c => c.Strict.ValueKind == JsonValueKind.Object);
        Assert.Contains(Cases.Value, c => c.NonStrict.ValueKind == JsonValueKind.Array && c.Strict.ValueKind == JsonValueKind.Object);
    }

    [Theory]
    [InlineData(ParseMode.Strict)]
    [InlineData(ParseMode.NonStrict)]
    public void Every_case_gives_the_reference_answer_in_batch(ParseMode mode) =>
        AssertEveryCase(mode, tokens => HarmonyCompletionParser.Parse(tokens, Role.Assistant, mode));

    [Theory]
    [InlineData(ParseMode.Strict)]
    [InlineData(ParseMode.NonStrict)]
    public void Every_case_gives_the_reference_answer_token_by_token(ParseMode mode) =>
        AssertEveryCase(mode, tokens => ParseTokenByToken(tokens, Role.Assistant, mode));

    private static void AssertEveryCase(ParseMode mode, Func<int[], HarmonyParseResult> parse)
    {
        var failures = Cases.Value.Select(c => Check(c, mode, parse)).OfType<string>().ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {Cases.Value.Count} differ:\n" + string.Join("\n", failures.Take(8)));
    }

    [Theory]
    [InlineData(ParseMode.Strict)]
    [InlineData(ParseMode.NonStrict)]
    public void Every_case_gives_the_reference_answer_from_its_text(ParseMode mode)
    {
        // Text cannot carry a special-token literal typed as ordinary text; those cases are the id parser's alone.
        var failures = new List<string>();
        int checkedCases = 0;
        foreach (var c in Cases.Value)
        {
            if (!TextRoundTrips(c.Tokens))
                continue;
            checkedCases++;
            byte[] text = DecodeToUtf8(c.Tokens);
            string? problem = Check(c, mode, _ => HarmonyTextParser.Parse(text, Role.Assistant, mode));
            if (problem is not null)
                failures.Add(problem);
        }
        Assert.True(checkedCases > 100, $"only {checkedCases} cases survive a text round trip");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCases} differ:\n" + string.Join("\n", failures.Take(8)));
    }

    internal static byte[] DecodeToUtf8(int[] tokens)
    {
        var bytes = new List<byte>();
        foreach (int t in tokens)
            bytes.AddRange(Tokenizer.GetTokenBytes(t).ToArray());
        return bytes.ToArray();
    }

    /// <summary>True when re-tokenizing the decoded text (specials allowed) finds exactly the same special tokens.</summary>
    internal static bool TextRoundTrips(int[] tokens)
    {
        byte[] text = DecodeToUtf8(tokens);
        if (!System.Text.Unicode.Utf8.IsValid(text))
            return false;
        var again = Encode(System.Text.Encoding.UTF8.GetString(text));
        return again.Where(Tokenizer.IsSpecial).SequenceEqual(tokens.Where(Tokenizer.IsSpecial));
    }

    private static string? Check(Case c, ParseMode mode, Func<int[], HarmonyParseResult> parse)
    {
        JsonElement expected = mode == ParseMode.Strict ? c.Strict : c.NonStrict;
        bool expectError = expected.ValueKind == JsonValueKind.Object;
        HarmonyParseResult result;
        try
        {
            result = parse(c.Tokens);
        }
        catch (HarmonyParseException e)
        {
            return expectError ? null : $"{c.Id} {mode}: refused ({e.Message}) but the reference gives {expected.GetRawText()}";
        }
        if (expectError)
            return $"{c.Id} {mode}: the reference refuses, we give {ToJson(result.Messages)}";
        string want = Canonical(expected);
        string got = ToJson(result.Messages);
        return want == got ? null : $"{c.Id} {mode}:\n  want {want}\n  got  {got}";
    }
}
