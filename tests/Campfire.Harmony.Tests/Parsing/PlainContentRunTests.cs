using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using CsCheck;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>
/// <see cref="HarmonyStreamParser.ReadPlainContent{TSink}"/> is a shortcut, not a second parser: reading runs of plain
/// content through it, and everything else through <see cref="HarmonyStreamParser.Read(int)"/>, gives exactly the
/// events, bytes, token indices and errors of reading every token with <see cref="HarmonyStreamParser.Read(int)"/>,
/// however the tokens are chunked and wherever the sink refuses a delta.
/// </summary>
public sealed class PlainContentRunTests
{
    private static readonly ParseMode[] Modes = [ParseMode.Strict, ParseMode.NonStrict, ParseMode.Lenient];

    /// <summary>Logs deltas, and refuses a delta whenever the refusal pattern says so (without logging it).</summary>
    private struct LoggingSink(StringBuilder log, Random? refusals) : IHarmonyContentSink
    {
        public int Taken;
        public string Last = "";

        public bool TryTake(ReadOnlySpan<byte> delta)
        {
            if (refusals is not null && refusals.Next(8) == 0)
                return false;
            Last = Convert.ToHexString(delta);
            log.Append("delta ").Append(Last).Append('\n');
            Taken++;
            return true;
        }
    }

    private static void LogEvent(StringBuilder log, ref HarmonyStreamParser parser, HarmonyParserEventKind kind, long index)
    {
        switch (kind)
        {
            case HarmonyParserEventKind.ContentDelta:
                log.Append("delta ").Append(Convert.ToHexString(parser.ContentDelta)).Append('\n');
                break;
            case HarmonyParserEventKind.Diagnostic:
                log.Append($"diagnostic {parser.Quirk}@{parser.EventTokenIndex} at {index}\n");
                break;
            case HarmonyParserEventKind.MessageEnded:
                log.Append($"end {parser.Role} {parser.Terminator} at {index}\n");
                break;
            default:
                log.Append($"{kind} {parser.Role} {parser.GetAuthorName()} {parser.GetChannel()} {parser.GetRecipient()} {parser.GetContentType()} at {index}\n");
                break;
        }
    }

    private static void ReadOne(StringBuilder log, ref HarmonyStreamParser parser, int token)
    {
        long index = parser.TokenIndex;
        for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
            LogEvent(log, ref parser, kind, index);
    }

    private static string Finish(StringBuilder log, ref HarmonyStreamParser parser)
    {
        try
        {
            for (var kind = parser.ReadEndOfStream(); kind != HarmonyParserEventKind.None; kind = parser.ReadEndOfStream())
                LogEvent(log, ref parser, kind, parser.TokenIndex);
        }
        catch (HarmonyParseException e)
        {
            log.Append($"error {e.Error} at {e.TokenIndex}\n");
        }
        return log.ToString();
    }

    private static string TokenByToken(int[] tokens, ParseMode mode, HarmonyParserLimits limits)
    {
        var log = new StringBuilder();
        var parser = new HarmonyStreamParser(mode, Role.Assistant, limits);
        try
        {
            foreach (int token in tokens)
                ReadOne(log, ref parser, token);
        }
        catch (HarmonyParseException e)
        {
            log.Append($"error {e.Error} at {e.TokenIndex}\n");
            return log.ToString();
        }
        return Finish(log, ref parser);
    }

    /// <summary>Plain runs through ReadPlainContent over chunks of the given sizes, the token after each run through Read.</summary>
    private static string WithRuns(int[] tokens, ParseMode mode, HarmonyParserLimits limits, int[] chunkSizes, Random? refusals)
    {
        var log = new StringBuilder();
        var parser = new HarmonyStreamParser(mode, Role.Assistant, limits);
        try
        {
            int position = 0;
            for (int chunk = 0; position < tokens.Length; chunk++)
            {
                int end = Math.Min(tokens.Length, position + chunkSizes[chunk % chunkSizes.Length]);
                while (position < end)
                {
                    long before = parser.TokenIndex;
                    var sink = new LoggingSink(log, refusals);
                    int read = parser.ReadPlainContent(tokens.AsSpan(position, end - position), ref sink);
                    Assert.Equal(sink.Taken, read);
                    Assert.Equal(before + read, parser.TokenIndex);
                    if (read > 0)
                        Assert.Equal(sink.Last, Convert.ToHexString(parser.ContentDelta));
                    position += read;
                    if (position < end)
                        ReadOne(log, ref parser, tokens[position++]);
                }
            }
        }
        catch (HarmonyParseException e)
        {
            log.Append($"error {e.Error} at {e.TokenIndex}\n");
            return log.ToString();
        }
        return Finish(log, ref parser);
    }

    [Fact]
    public void Runs_over_the_corpus_in_random_chunks_give_the_token_by_token_events()
    {
        int[] tokens = ParserCorpusTests.CorpusTokens.Value;
        string expected = TokenByToken(tokens, ParseMode.Strict, default);
        Assert.Contains("E69DB1", expected, StringComparison.Ordinal); // 東
        Gen.Int[1, 200].Array[1, 8].Sample(sizes =>
            Assert.Equal(expected, WithRuns(tokens, ParseMode.Strict, default, sizes, refusals: null)), iter: 20);
        Assert.Equal(expected, WithRuns(tokens, ParseMode.Strict, default, [64], new Random(3)));
    }

    [Fact]
    public void Runs_give_the_token_by_token_events_for_every_conformance_case_and_mode()
    {
        var random = new Random(5);
        foreach (var c in ParserConformanceTests.AllCases)
        {
            foreach (var mode in Modes)
            {
                string expected = TokenByToken(c.Tokens, mode, default);
                Assert.Equal(expected, WithRuns(c.Tokens, mode, default, [c.Tokens.Length + 1], refusals: null));
                Assert.Equal(expected, WithRuns(c.Tokens, mode, default, [1 + random.Next(16)], random));
            }
        }
    }

    [Fact]
    public void A_token_that_would_pass_the_message_limit_is_left_to_Read_which_fails_as_token_by_token()
    {
        int[] tokens = ParserCorpusTests.CorpusTokens.Value;
        foreach (int limit in (int[])[1, 40, 300])
        {
            var limits = new HarmonyParserLimits(MaxMessageBytes: limit);
            string expected = TokenByToken(tokens, ParseMode.Strict, limits);
            Assert.True(expected.Contains("error MessageTooLong", StringComparison.Ordinal), $"{limit}: {expected}");
            Assert.Equal(expected, WithRuns(tokens, ParseMode.Strict, limits, [64], refusals: null));
            Assert.Equal(expected, WithRuns(tokens, ParseMode.Lenient, limits, [7], new Random(limit)));
        }
    }

    [Fact]
    public void Runs_give_the_token_by_token_events_for_random_tokens_in_every_mode()
    {
        // Ordinary ids, every special token, ids outside the vocabulary and negative ids, mixed: lenient recovers from
        // all of it, strict and non-strict fail at the same token either way.
        int[] specials = [.. Enumerable.Range(HarmonyTokens.StartOfText, HarmonyTokens.VocabularySize - HarmonyTokens.StartOfText), -1, HarmonyTokens.VocabularySize + 5];
        int[] multilingual = [.. EncodeOrdinary("日本語 의 ünïcödé 東京🌤️ Москве")];
        var gen = Gen.Frequency(
            (8, Gen.Int[0, HarmonyTokens.StartOfText - 1]),
            (2, Gen.Int[0, specials.Length - 1].Select(i => specials[i])),
            (4, Gen.Int[0, multilingual.Length - 1].Select(i => multilingual[i]))).Array[0, 120];
        gen.Sample(tokens =>
        {
            foreach (var mode in Modes)
            {
                string expected = TokenByToken(tokens, mode, default);
                Assert.Equal(expected, WithRuns(tokens, mode, default, [1 + tokens.Length % 9], new Random(tokens.Length)));
            }
        }, iter: 300);
    }
}
