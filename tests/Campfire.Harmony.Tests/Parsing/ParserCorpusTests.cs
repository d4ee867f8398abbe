using Campfire.Benchmarks.Data;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>The benchmark's ~4,400-token completion: deterministic, parses the same in every mode, allocates nothing per token.</summary>
public sealed class ParserCorpusTests
{
    internal static readonly Lazy<int[]> CorpusTokens = new(() => Encode(ParseCorpus.BuildText()));

    [Fact]
    public void Committed_corpus_file_is_what_the_generator_builds()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Parsing", ParseCorpus.FileName);
        string built = ParseCorpus.BuildText();
        if (Environment.GetEnvironmentVariable("CAMPFIRE_WRITE_PARSE_CORPUS") is { Length: > 0 } target)
            File.WriteAllText(target, built);
        Assert.Equal(built, File.ReadAllText(path));
    }

    [Fact]
    public void Corpus_is_a_4400_token_completion_with_analysis_tool_calls_and_a_final_answer()
    {
        var tokens = CorpusTokens.Value;
        Assert.InRange(tokens.Length, 4_300, 4_600);
        var result = HarmonyCompletionParser.Parse(tokens, Role.Assistant, ParseMode.Strict);
        Assert.Contains(result.Messages, m => m.Channel == "analysis");
        Assert.Contains(result.Messages, m => m.Author.Role == Role.Tool);
        Assert.Equal("final", result.Messages[^1].Channel);
        Assert.True(result.ToolCalls.Length >= 4);
        Assert.All(result.ToolCalls.Where(c => c.IsJson), c => c.ParseArguments());
        foreach (var mode in new[] { ParseMode.NonStrict, ParseMode.Lenient })
        {
            var other = HarmonyCompletionParser.Parse(tokens, Role.Assistant, mode);
            Assert.Equal(ToJson(result.Messages), ToJson(other.Messages));
            Assert.Empty(other.Diagnostics);
        }
    }

    private static long AllocatedPerWindow(Action action) => AllocationProbe.LeastAllocated(action, calls: 10);

    [Theory]
    [InlineData(ParseMode.Strict)]
    [InlineData(ParseMode.NonStrict)]
    [InlineData(ParseMode.Lenient)]
    public void Warm_parser_fed_a_4000_token_completion_token_by_token_allocates_nothing(ParseMode mode)
    {
        var tokens = CorpusTokens.Value;
        long expected = FeedTokenByToken(tokens, mode);
        long seen = 0;
        Assert.Equal(0, AllocatedPerWindow(() => seen = FeedTokenByToken(tokens, mode)));
        Assert.Equal(expected, seen);
        Assert.True(seen > tokens.Length);
    }

    [Fact]
    public void Warm_parser_fed_the_completion_in_chunks_allocates_nothing()
    {
        var tokens = CorpusTokens.Value;
        Assert.Equal(0, AllocatedPerWindow(() => FeedChunked(tokens, 7)));
        Assert.Equal(0, AllocatedPerWindow(() => FeedChunked(tokens, 256)));
    }

    /// <summary>Feeds every token and reads every event's data; returns a checksum of what was seen.</summary>
    private static long FeedTokenByToken(int[] tokens, ParseMode mode)
    {
        var parser = new HarmonyStreamParser(mode, Role.Assistant);
        long checksum = 0;
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
                checksum += Observe(ref parser, kind);
        }
        for (var kind = parser.ReadEndOfStream(); kind != HarmonyParserEventKind.None; kind = parser.ReadEndOfStream())
            checksum += Observe(ref parser, kind);
        return checksum;
    }

    private static long FeedChunked(int[] tokens, int chunk)
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        long checksum = 0;
        for (int start = 0; start < tokens.Length; start += chunk)
        {
            ReadOnlySpan<int> span = tokens.AsSpan(start, Math.Min(chunk, tokens.Length - start));
            while (true)
            {
                var kind = parser.Read(span, out int consumed);
                span = span[consumed..];
                if (kind == HarmonyParserEventKind.None)
                    break;
                checksum += Observe(ref parser, kind);
            }
        }
        return checksum;
    }

    private static long Observe(ref HarmonyStreamParser parser, HarmonyParserEventKind kind) => kind switch
    {
        HarmonyParserEventKind.ContentDelta => parser.ContentDelta.Length,
        HarmonyParserEventKind.MessageStarted => (int)parser.Role + parser.AuthorName.Length,
        HarmonyParserEventKind.HeaderComplete => parser.Channel.Length + parser.Recipient.Length + parser.ContentType.Length,
        HarmonyParserEventKind.MessageEnded => 1000 + (int)parser.Terminator,
        _ => 1,
    };
}
