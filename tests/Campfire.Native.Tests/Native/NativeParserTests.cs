using System.Text;
using Campfire.Harmony.Tokenization;
using Campfire.Native;
using Campfire.Native.Parsing;

namespace Campfire.Native.Tests.Native;

public sealed unsafe class NativeParserTests
{
    private static int[] Corpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "bench", "Campfire.Benchmarks", "Data", "completion-4400.harmony.txt");
            if (File.Exists(path))
            {
                return O200kHarmonyTokenizer.Instance.EncodeToIds(File.ReadAllText(path), allowSpecialTokens: true);
            }
        }

        throw new FileNotFoundException("bench/Campfire.Benchmarks/Data/completion-4400.harmony.txt");
    }

    private static string Transcript(NativeParser parser, int[] tokens, bool direct)
    {
        var log = new StringBuilder();
        byte[] text = new byte[4096];
        NativeEvent first;
        fixed (byte* buffer = text)
        {
            foreach (int token in tokens)
            {
                if (direct)
                {
                    Assert.Equal(0, parser.FeedDirect(token, &first, buffer, (nuint)text.Length, out bool delivered));
                    if (delivered)
                    {
                        log.Append(first.Kind).Append(':').Append(Encoding.UTF8.GetString(text, first.Text.Offset, Math.Max(first.Text.Length, 0))).Append('|');
                    }
                }
                else
                {
                    Assert.Equal(0, parser.Feed(token));
                }

                while (parser.Events.Count > 0)
                {
                    NativeEvent e = parser.Events.Take(text);
                    log.Append(e.Kind).Append(':').Append(Encoding.UTF8.GetString(text, e.Text.Offset, Math.Max(e.Text.Length, 0))).Append('|');
                }
            }
        }

        return log.ToString();
    }

    [Fact]
    public void Direct_delivery_yields_the_same_events_in_the_same_order_as_the_queue()
    {
        int[] tokens = Corpus();
        string queued = Transcript(new NativeParser(1, 0), tokens, direct: false);
        string direct = Transcript(new NativeParser(1, 0), tokens, direct: true);
        Assert.Equal(queued, direct);
        Assert.Contains("東京", queued, StringComparison.Ordinal);
        Assert.Contains("|4:|", queued, StringComparison.Ordinal); // message ends
    }

    [Fact]
    public void Feeding_the_benchmark_completion_token_by_token_allocates_nothing_when_warm()
    {
        int[] tokens = Corpus();
        var parser = new NativeParser(1, 0);
        byte[] text = new byte[4096];
        Pass(parser, tokens, text);
        Pass(parser, tokens, text);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass(parser, tokens, text);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Pass(NativeParser parser, int[] tokens, byte[] text)
    {
        NativeEvent first;
        parser.Reset();
        fixed (byte* buffer = text)
        {
            foreach (int token in tokens)
            {
                parser.FeedDirect(token, &first, buffer, (nuint)text.Length, out _);
                while (parser.Events.Count > 0)
                {
                    parser.Events.Take(text);
                }
            }
        }
    }

    [Fact]
    public void A_saved_state_restores_into_a_parser_that_then_continues_identically()
    {
        int[] tokens = Corpus();
        var random = new Random(7);
        for (int round = 0; round < 20; round++)
        {
            int cut = random.Next(tokens.Length);
            var original = new NativeParser(1, 0);
            foreach (int token in tokens[..cut])
            {
                Assert.Equal(0, original.Feed(token));
            }

            var state = new PooledBufferWriter<byte>();
            original.Save(state);
            var copy = new NativeParser(-1, 2);
            copy.Restore(state.WrittenSpan);
            Assert.Equal(Transcript(original, tokens[cut..], direct: false), Transcript(copy, tokens[cut..], direct: true));
        }
    }
    /// <summary>Feeds tokens in chunks through FeedChunk (draining leftovers into the same arrays first) and logs each
    /// event as kind and text, the format of <see cref="Transcript"/>; every call must succeed.</summary>
    private static string ChunkedTranscript(NativeParser parser, int[] tokens, int chunk, int maxEvents, int capacity)
    {
        string log = FullChunkedTranscript(parser, tokens, [chunk], maxEvents, capacity,
            (sb, e, bytes) => sb.Append(e.Kind).Append(':').Append(Encoding.UTF8.GetString(bytes, e.Text.Offset, Math.Max(e.Text.Length, 0))).Append('|'));
        Assert.DoesNotContain("status ", log, StringComparison.Ordinal);
        return log;
    }

    [Theory]
    [InlineData(1, 256, 4096)]
    [InlineData(7, 256, 4096)]
    [InlineData(64, 256, 4096)]
    [InlineData(5000, 8192, 1 << 20)]
    [InlineData(64, 2, 4096)]
    [InlineData(64, 256, 64)]
    public void Chunked_delivery_yields_the_same_events_in_the_same_order_as_the_queue(int chunk, int maxEvents, int capacity)
    {
        int[] tokens = Corpus();
        string queued = Transcript(new NativeParser(1, 0), tokens, direct: false);
        Assert.Equal(queued, ChunkedTranscript(new NativeParser(1, 0), tokens, chunk, maxEvents, capacity));
    }

    [Fact]
    public void Feeding_the_benchmark_completion_in_64_token_chunks_allocates_nothing_when_warm()
    {
        int[] tokens = Corpus();
        var parser = new NativeParser(1, 0);
        var events = new NativeEvent[256];
        byte[] text = new byte[1 << 16];
        ChunkPass(parser, tokens, events, text);
        ChunkPass(parser, tokens, events, text);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int accepted = ChunkPass(parser, tokens, events, text);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(tokens.Length, accepted);
    }

    private static int ChunkPass(NativeParser parser, int[] tokens, NativeEvent[] events, byte[] text)
    {
        parser.Reset();
        int fed = 0;
        fixed (NativeEvent* eventArray = events)
        fixed (byte* buffer = text)
        {
            while (fed < tokens.Length)
            {
                var sink = new NativeParser.EventSink
                {
                    Events = eventArray, MaxEvents = (nuint)events.Length, Text = buffer, Capacity = (nuint)text.Length,
                };
                parser.FeedChunk(tokens.AsSpan(fed, Math.Min(64, tokens.Length - fed)), ref sink, out int accepted);
                fed += accepted;
            }
        }

        return fed;
    }

    [Fact]
    public void A_state_saved_after_chunked_feeding_restores_into_a_parser_that_continues_identically()
    {
        int[] tokens = Corpus();
        var random = new Random(11);
        for (int round = 0; round < 10; round++)
        {
            int cut = random.Next(tokens.Length);
            var original = new NativeParser(1, 0);
            ChunkedTranscript(original, tokens[..cut], chunk: 64, maxEvents: 256, capacity: 4096);
            var state = new PooledBufferWriter<byte>();
            original.Save(state);
            var copy = new NativeParser(-1, 2);
            copy.Restore(state.WrittenSpan);
            Assert.Equal(
                ChunkedTranscript(original, tokens[cut..], chunk: 64, maxEvents: 256, capacity: 4096),
                Transcript(copy, tokens[cut..], direct: false));
        }
    }

    [Fact]
    public void A_failure_inside_a_chunk_keeps_the_events_and_tokens_before_it_and_sticks()
    {
        int[] tokens = Corpus();
        int[] broken = [.. tokens[..100], HarmonyTokens.VocabularySize + 3, .. tokens[100..]];
        var parser = new NativeParser(1, 0);
        var events = new NativeEvent[256];
        byte[] text = new byte[4096];
        fixed (NativeEvent* eventArray = events)
        fixed (byte* buffer = text)
        {
            var sink = new NativeParser.EventSink { Events = eventArray, MaxEvents = 256, Text = buffer, Capacity = 4096 };
            Assert.Equal((int)CampfireStatus.UnknownToken, parser.FeedChunk(broken, ref sink, out int accepted));
            Assert.Equal(100, accepted);
            Assert.True(sink.Taken > 0);
            Assert.Equal(99, events[(int)sink.Taken - 1].TokenIndex);

            var again = new NativeParser.EventSink { Events = eventArray, MaxEvents = 256, Text = buffer, Capacity = 4096 };
            Assert.Equal((int)CampfireStatus.UnknownToken, parser.FeedChunk(tokens.AsSpan(100), ref again, out accepted));
            Assert.Equal(0, accepted);
            Assert.Equal(0u, (uint)again.Taken);
        }

        // The failure and the 100 accepted tokens are in the saved state (4 bytes each): a restored parser fails alike.
        var state = new PooledBufferWriter<byte>();
        parser.Save(state);
        Assert.True(state.WrittenCount > 100 * 4);
        var copy = new NativeParser(1, 0);
        copy.Restore(state.WrittenSpan);
        Assert.Equal((int)CampfireStatus.UnknownToken, copy.Feed(tokens[100]));
    }

    /// <summary>Every field of an event, its text parts resolved from the buffer they were written to.</summary>
    private static void Describe(StringBuilder log, NativeEvent e, byte[] text)
    {
        log.Append(e.Kind).Append(" @").Append(e.TokenIndex).Append(" role ").Append(e.Role).Append(" end ").Append(e.EndToken);
        foreach (NativeTextRef part in (NativeTextRef[])[e.Name, e.Channel, e.Recipient, e.ContentType, e.Text])
        {
            log.Append(part.Length < 0 ? " -" : " [" + Encoding.UTF8.GetString(text, part.Offset, part.Length) + "]");
        }

        log.Append('\n');
    }

    /// <summary>Feed per token, every event taken from the queue: the reference for the chunked paths.</summary>
    private static string QueueTranscript(NativeParser parser, int[] tokens)
    {
        var log = new StringBuilder();
        byte[] text = new byte[1 << 16];
        foreach (int token in tokens)
        {
            int status = parser.Feed(token);
            while (parser.Events.Count > 0)
            {
                Describe(log, parser.Events.Take(text), text);
            }

            if (status != 0)
            {
                return log.Append("status ").Append(status).ToString();
            }
        }

        return log.ToString();
    }

    /// <summary>FeedChunk over chunks of the given sizes, into arrays of the given sizes; logs every event and a failure.</summary>
    private static string FullChunkedTranscript(NativeParser parser, int[] tokens, int[] chunks, int maxEvents, int capacity,
        Action<StringBuilder, NativeEvent, byte[]>? describe = null)
    {
        describe ??= Describe;
        var log = new StringBuilder();
        var events = new NativeEvent[Math.Max(maxEvents, 1)];
        byte[] text = new byte[Math.Max(capacity, 1)];
        fixed (NativeEvent* eventArray = events)
        fixed (byte* buffer = text)
        {
            int fed = 0, calls = 0;
            while (fed < tokens.Length || parser.Events.Count > 0)
            {
                Assert.True(++calls < 100_000, "the chunked feed made no progress");
                var sink = new NativeParser.EventSink
                {
                    Events = eventArray, MaxEvents = (nuint)maxEvents, Text = buffer, Capacity = (nuint)capacity,
                };
                int accepted = 0, status = 0;
                if (parser.DrainInto(ref sink) && fed < tokens.Length)
                {
                    status = parser.FeedChunk(tokens.AsSpan(fed, Math.Min(chunks[calls % chunks.Length], tokens.Length - fed)), ref sink, out accepted);
                }

                int used = 0;
                for (int k = 0; k < (int)sink.Taken; k++)
                {
                    NativeEvent e = events[k];
                    foreach (NativeTextRef part in (NativeTextRef[])[e.Name, e.Channel, e.Recipient, e.ContentType, e.Text])
                    {
                        if (part.Length >= 0)
                        {
                            Assert.Equal(used, part.Offset); // text parts follow each other, event after event
                            used += part.Length;
                        }
                        else
                        {
                            Assert.Equal(0, part.Offset);
                        }
                    }

                    describe(log, e, text);
                }

                Assert.Equal((nuint)used, sink.Used);
                fed += accepted;
                if (status != 0)
                {
                    while (parser.Events.Count > 0)
                    {
                        describe(log, parser.Events.Take(text), text);
                    }

                    return log.Append("status ").Append(status).ToString();
                }
            }
        }

        return log.ToString();
    }

    [Fact]
    public void Chunks_of_random_sizes_into_arrays_of_random_sizes_give_every_field_of_every_event_as_feeding_per_token()
    {
        int[] tokens = Corpus();
        string expected = QueueTranscript(new NativeParser(1, 0), tokens);
        Assert.Contains("3 @", expected, StringComparison.Ordinal);
        var random = new Random(17);
        for (int round = 0; round < 30; round++)
        {
            int[] chunks = [.. Enumerable.Range(0, 5).Select(_ => 1 + random.Next(130))];
            int maxEvents = 1 + random.Next(300);
            int capacity = 64 + random.Next(2000);
            Assert.Equal(expected, FullChunkedTranscript(new NativeParser(1, 0), tokens, chunks, maxEvents, capacity));
        }
    }

    [Fact]
    public void Random_tokens_in_lenient_mode_give_every_event_and_diagnostic_as_feeding_per_token()
    {
        int[] corpus = Corpus();
        int[] specials = [.. Enumerable.Range(HarmonyTokens.StartOfText, HarmonyTokens.VocabularySize - HarmonyTokens.StartOfText)];
        var random = new Random(23);
        for (int round = 0; round < 200; round++)
        {
            int[] tokens = [.. Enumerable.Range(0, random.Next(300)).Select(_ => random.Next(10) switch
            {
                0 => specials[random.Next(specials.Length)],
                1 => random.Next(HarmonyTokens.StartOfText),
                2 => HarmonyTokens.VocabularySize + random.Next(5),
                _ => corpus[random.Next(corpus.Length)],
            })];
            string expected = QueueTranscript(new NativeParser(-1, 2), tokens);
            int[] chunks = [1 + random.Next(70), 1 + random.Next(70)];
            Assert.Equal(expected, FullChunkedTranscript(new NativeParser(-1, 2), tokens, chunks, 1 + random.Next(64), 400 + random.Next(600)));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_grammar_error_inside_a_chunk_stops_where_feeding_per_token_stops(int mode)
    {
        int[] tokens = Corpus();
        // A second <|message|> right after a header: the reference's UnexpectedToken (strict), as content otherwise.
        int at = Array.IndexOf(tokens, HarmonyTokens.Message, 50) + 1;
        int[] broken = [.. tokens[..at], HarmonyTokens.Start, HarmonyTokens.Message, HarmonyTokens.Message, .. tokens[at..]];
        string expected = QueueTranscript(new NativeParser(1, mode), broken);
        foreach (int chunk in (int[])[1, 5, 64, 5000])
        {
            Assert.Equal(expected, FullChunkedTranscript(new NativeParser(1, mode), broken, [chunk], 256, 4096));
        }
    }

    [Fact]
    public void An_unknown_id_inside_a_chunk_stops_where_feeding_per_token_stops_in_strict_mode()
    {
        int[] tokens = Corpus();
        foreach (int at in (int[])[0, 1, 63, 64, 65, 1000])
        {
            int[] broken = [.. tokens[..at], -7, .. tokens[at..]];
            string expected = QueueTranscript(new NativeParser(1, 0), broken);
            Assert.EndsWith("status " + (int)CampfireStatus.UnknownToken, expected, StringComparison.Ordinal);
            Assert.Equal(expected, FullChunkedTranscript(new NativeParser(1, 0), broken, [64], 256, 4096));
            Assert.Equal(expected, FullChunkedTranscript(new NativeParser(1, 0), broken, [3, 100], 5, 200));
        }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(8)]
    [InlineData(0)]
    public void Direct_delivery_gives_every_field_of_every_event_as_the_queue_whatever_fits(int capacity)
    {
        int[] tokens = Corpus();
        string expected = QueueTranscript(new NativeParser(1, 0), tokens);
        var parser = new NativeParser(1, 0);
        var log = new StringBuilder();
        byte[] text = new byte[Math.Max(capacity, 1)];
        byte[] queued = new byte[1 << 16];
        NativeEvent first;
        int delivered = 0;
        fixed (byte* buffer = text)
        {
            foreach (int token in tokens)
            {
                Assert.Equal(0, parser.FeedDirect(token, &first, buffer, (nuint)capacity, out bool wasDelivered));
                if (wasDelivered)
                {
                    delivered++;
                    Describe(log, first, text);
                }
                else
                {
                    Assert.Equal((int)NativeEventKind.None, first.Kind);
                }

                while (parser.Events.Count > 0)
                {
                    Describe(log, parser.Events.Take(queued), queued);
                }
            }
        }

        Assert.Equal(expected, log.ToString());
        Assert.True(capacity > 0 ? delivered > 3000 : delivered > 0); // with no text room, only events without text
    }
}
