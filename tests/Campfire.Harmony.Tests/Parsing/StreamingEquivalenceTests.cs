using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using CsCheck;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>
/// Streaming ≡ batch: the same completion split at any points (one token at a time, random spans, a snapshot copy of
/// the parser resumed at any point, text split at every byte) gives exactly the batch answer.
/// </summary>
public sealed class StreamingEquivalenceTests
{
    private static readonly ParseMode[] Modes = [ParseMode.Strict, ParseMode.NonStrict, ParseMode.Lenient];

    private static IReadOnlyList<ParserConformanceTests.Case> Cases => ParserConformanceTests.AllCases;

    /// <summary>The batch answer as comparable text: messages and diagnostics, or the error and its position.</summary>
    private static string Batch(int[] tokens, ParseMode mode)
    {
        try
        {
            var result = HarmonyCompletionParser.Parse(tokens, Role.Assistant, mode);
            return Describe(result);
        }
        catch (HarmonyParseException e)
        {
            return $"error {e.Error} at {e.TokenIndex} after {e.CompletedMessages.Length} messages";
        }
    }

    private static string Describe(HarmonyParseResult result) =>
        ToJson(result.Messages) + " " + string.Join(",", result.Diagnostics.Select(d => $"{d.Quirk}@{d.TokenIndex}"));

    /// <summary>Feeds <paramref name="tokens"/> in spans of the given sizes, resuming from a copy of the parser after each span.</summary>
    private static string Chunked(int[] tokens, ParseMode mode, int[] sizes, bool resumeFromCopies)
    {
        var parser = new HarmonyStreamParser(mode, Role.Assistant);
        var collector = new HarmonyMessageCollector();
        try
        {
            int position = 0;
            for (int chunk = 0; position < tokens.Length; chunk++)
            {
                int size = Math.Min(sizes[chunk % sizes.Length], tokens.Length - position);
                ReadOnlySpan<int> span = tokens.AsSpan(position, size);
                position += size;
                while (true)
                {
                    var kind = parser.Read(span, out int consumed);
                    span = span[consumed..];
                    if (kind == HarmonyParserEventKind.None)
                        break;
                    collector.Handle(ref parser, kind);
                }
                if (resumeFromCopies)
                {
                    // Resume from a snapshot while the original goes on to be spoiled: the copy must not notice.
                    var snapshot = parser;
                    if (position < tokens.Length)
                        SpoilWith(ref parser, tokens.AsSpan(position));
                    parser = snapshot;
                }
            }
            for (var kind = parser.ReadEndOfStream(); kind != HarmonyParserEventKind.None; kind = parser.ReadEndOfStream())
                collector.Handle(ref parser, kind);
            return Describe(new HarmonyParseResult(collector.Messages, collector.Diagnostics));
        }
        catch (HarmonyParseException e)
        {
            return $"error {e.Error} at {e.TokenIndex} after {collector.MessageCount} messages";
        }
    }

    /// <summary>Runs a parser on to the end (and a few junk tokens), discarding what it reports.</summary>
    private static void SpoilWith(ref HarmonyStreamParser parser, ReadOnlySpan<int> rest)
    {
        try
        {
            while (parser.Read(rest, out int consumed) != HarmonyParserEventKind.None)
                rest = rest[consumed..];
            foreach (int junk in (int[])[200006, 1844, 200005, 200008, 9552, 9552, 200007])
            {
                for (var kind = parser.Read(junk); kind != HarmonyParserEventKind.None; kind = parser.Read())
                {
                }
            }
        }
        catch (HarmonyParseException)
        {
        }
    }

    [Fact]
    public void One_token_at_a_time_equals_batch_for_every_case_and_mode()
    {
        foreach (var mode in Modes)
        {
            foreach (var c in Cases)
                Assert.Equal(Batch(c.Tokens, mode), Chunked(c.Tokens, mode, [1], resumeFromCopies: false));
        }
    }

    [Fact]
    public void Resuming_from_a_copied_state_after_every_token_equals_batch()
    {
        foreach (var mode in Modes)
        {
            foreach (var c in Cases.Where((_, i) => i % 4 == 0))
                Assert.Equal(Batch(c.Tokens, mode), Chunked(c.Tokens, mode, [1], resumeFromCopies: true));
        }
    }

    [Fact]
    public void Random_split_points_with_copied_states_equal_batch()
    {
        Gen.Select(Gen.Int[0, Cases.Count - 1], Gen.Int[0, 2], Gen.Int[1, 40].Array[1, 12], Gen.Bool)
            .Sample((index, modeIndex, sizes, copies) =>
            {
                var c = Cases[index];
                var mode = Modes[modeIndex];
                Assert.Equal(Batch(c.Tokens, mode), Chunked(c.Tokens, mode, sizes, copies));
            }, iter: 600);
    }

    [Fact]
    public void Corpus_in_random_spans_equals_batch()
    {
        var tokens = ParserCorpusTests.CorpusTokens.Value;
        string expected = Batch(tokens, ParseMode.Strict);
        Gen.Int[1, 300].Array[1, 20].Sample(sizes =>
            Assert.Equal(expected, Chunked(tokens, ParseMode.Strict, sizes, resumeFromCopies: false)), iter: 40);
        Assert.Equal(expected, Chunked(tokens, ParseMode.Strict, [3, 1, 17], resumeFromCopies: true));
    }

    // ----- text input ---------------------------------------------------------------------------------------------

    private static string Text(byte[] text, ParseMode mode, params int[] readSizes)
    {
        try
        {
            var reader = PipeReader.Create(new ChunkedStream(text, readSizes), new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1));
            return Describe(HarmonyTextParser.ParseAsync(reader, Role.Assistant, mode).AsTask().GetAwaiter().GetResult());
        }
        catch (HarmonyParseException e)
        {
            return $"error {e.Error} after {e.CompletedMessages.Length} messages";
        }
    }

    private static string BatchWithoutPositions(int[] tokens, ParseMode mode)
    {
        try
        {
            return ToJson(HarmonyCompletionParser.Parse(tokens, Role.Assistant, mode).Messages);
        }
        catch (HarmonyParseException e)
        {
            return $"error {e.Error} after {e.CompletedMessages.Length} messages";
        }
    }

    private static string MessagesOnly(string described) => described.StartsWith("error", StringComparison.Ordinal) ? described : described[..(described.LastIndexOf(' '))];

    [Fact]
    public void Text_split_at_every_byte_gives_the_id_parsers_messages()
    {
        int checkedCases = 0;
        foreach (var c in Cases.Where(c => ParserConformanceTests.TextRoundTrips(c.Tokens)).Take(6))
        {
            byte[] text = ParserConformanceTests.DecodeToUtf8(c.Tokens);
            foreach (var mode in new[] { ParseMode.Strict, ParseMode.NonStrict })
            {
                string expected = BatchWithoutPositions(c.Tokens, mode);
                for (int split = 1; split < text.Length; split++)
                    Assert.Equal(expected, MessagesOnly(Text(text, mode, split, int.MaxValue)));
            }
            checkedCases++;
        }
        Assert.Equal(6, checkedCases);
    }

    [Fact]
    public void Text_in_random_reads_gives_the_id_parsers_messages()
    {
        var cases = Cases.Where(c => ParserConformanceTests.TextRoundTrips(c.Tokens)).ToArray();
        Gen.Select(Gen.Int[0, cases.Length - 1], Gen.Int[1, 24].Array[1, 10], Gen.Int[0, 1]).Sample((index, sizes, modeIndex) =>
        {
            var c = cases[index];
            var mode = Modes[modeIndex];
            byte[] text = ParserConformanceTests.DecodeToUtf8(c.Tokens);
            Assert.Equal(BatchWithoutPositions(c.Tokens, mode), MessagesOnly(Text(text, mode, sizes)));
        }, iter: 400);
    }

    [Fact]
    public void Corpus_text_streamed_in_small_reads_gives_the_id_parsers_messages()
    {
        var tokens = ParserCorpusTests.CorpusTokens.Value;
        byte[] text = Encoding.UTF8.GetBytes(Campfire.Benchmarks.Data.ParseCorpus.BuildText());
        string expected = BatchWithoutPositions(tokens, ParseMode.Strict);
        Assert.Equal(expected, MessagesOnly(Text(text, ParseMode.Strict, 1, 2, 3, 5, 7, 11, 13)));
        Assert.Equal(expected, MessagesOnly(Text(text, ParseMode.Strict, 4096)));
    }

    /// <summary>A stream that returns its bytes in reads of the given sizes (cycling), to split literals and code points.</summary>
    private sealed class ChunkedStream(byte[] data, int[] sizes) : Stream
    {
        private int _position;
        private int _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= data.Length)
                return 0;
            int size = Math.Min(Math.Min(sizes[_read++ % sizes.Length], count), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, size);
            _position += size;
            return size;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
