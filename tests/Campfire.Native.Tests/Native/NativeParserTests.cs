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
}
