using System.Diagnostics;
using System.Globalization;
using Campfire.Benchmarks.Data;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Native.Parsing;

namespace Campfire.Benchmarks.Native;

/// <summary>
/// The managed half of the C ABI comparison (<c>bench/Campfire.Benchmarks/Native/compare-abi.sh</c> runs it
/// interleaved with native/bench's <c>campfire_bench</c>): the same completion, timed the way campfire_bench times
/// its paths (best whole pass of many, after warm-up), so both sides come from the same minutes and the same method.
/// BenchmarkDotNet is not used here because its per-token figures for these loops came out several times higher than
/// a plain loop's on this machine (docs/performance.md, C ABI).
/// </summary>
public static unsafe class NativeAbiTimingTool
{
    /// <summary>Handles <c>--abi-managed-ns [ROUNDS]</c>; null for other arguments.</summary>
    public static int? TryRun(string[] args)
    {
        if (args.Length is < 1 or > 2 || args[0] != "--abi-managed-ns")
        {
            return null;
        }

        int rounds = args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        int[] tokens = O200kHarmonyTokenizer.Instance.EncodeToIds(ParseCorpus.BuildText(), allowSpecialTokens: true);
        var layer = new NativeParser(role: 1, mode: 0);
        var events = new NativeEvent[256];
        var text = new byte[1 << 16];
        (string Key, string Name, Func<long> Pass)[] paths =
        [
            ("parser", "managed parser (HarmonyStreamParser.Read per token, every event read, delta lengths summed)", () => ManagedParser(tokens)),
            ("copying", "managed parser + text copy (as above, and each event's text copied out, as the C paths hand it over)", () => ManagedParserCopyingText(tokens, text)),
            ("export", "export layer, in process (FeedChunk per 64 tokens into an event array, JIT, no transition)", () => ExportLayerChunks(layer, tokens, events, text)),
        ];

        var best = new double[paths.Length];
        Array.Fill(best, double.MaxValue);
        // Two seconds of warm-up, not a pass count: tiered compilation promotes a method only after 100 ms without new
        // tier-0 code, and its background compile is slow on a loaded machine.
        long warmUntil = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            foreach (var path in paths)
            {
                path.Pass();
            }
        }

        // Passes are interleaved so load changes hit every path alike.
        for (int round = 0; round < rounds; round++)
        {
            for (int p = 0; p < paths.Length; p++)
            {
                long start = Stopwatch.GetTimestamp();
                paths[p].Pass();
                double elapsed = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
                best[p] = Math.Min(best[p], elapsed);
            }
        }

        Console.WriteLine($"completion: {tokens.Length} tokens; best of {rounds} rounds");
        for (int p = 0; p < paths.Length; p++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"managed {best[p] / tokens.Length,8:F2} ns/token  {paths[p].Key,-8} {paths[p].Name}"));
        }

        return 0;
    }

    private static long ManagedParser(int[] tokens)
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        long bytes = 0;
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
            {
                if (kind == HarmonyParserEventKind.ContentDelta)
                {
                    bytes += parser.ContentDelta.Length;
                }
            }
        }

        return bytes;
    }

    // Like-for-like with what a C host receives: the C paths copy every event's text out of the vocabulary into the
    // host's buffer, which reads the token's bytes (a cache miss in a 2 MB table for most tokens); the bare loop above
    // only reads each delta's length.
    private static long ManagedParserCopyingText(int[] tokens, byte[] text)
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        int used = 0;
        long bytes = 0;
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
            {
                if (kind == HarmonyParserEventKind.ContentDelta)
                {
                    used = CopyOut(parser.ContentDelta, text, used);
                }
                else if (kind == HarmonyParserEventKind.HeaderComplete)
                {
                    used = CopyOut(parser.AuthorName, text, used);
                    used = CopyOut(parser.Channel, text, used);
                    used = CopyOut(parser.Recipient, text, used);
                    used = CopyOut(parser.ContentType, text, used);
                }
                else if (kind == HarmonyParserEventKind.MessageStarted)
                {
                    used = CopyOut(parser.AuthorName, text, used);
                }

                bytes += used;
            }
        }

        return bytes;
    }

    private static int CopyOut(ReadOnlySpan<byte> source, byte[] text, int used)
    {
        if (used + source.Length > text.Length)
        {
            used = 0;
        }

        source.CopyTo(text.AsSpan(used));
        return used + source.Length;
    }

    private static long ExportLayerChunks(NativeParser layer, int[] tokens, NativeEvent[] events, byte[] text)
    {
        layer.Reset();
        long taken = 0;
        fixed (NativeEvent* eventArray = events)
        fixed (byte* textBuffer = text)
        {
            for (int i = 0; i < tokens.Length;)
            {
                var sink = new NativeParser.EventSink
                {
                    Events = eventArray, MaxEvents = (nuint)events.Length, Text = textBuffer, Capacity = (nuint)text.Length,
                };
                if (layer.FeedChunk(tokens.AsSpan(i, Math.Min(64, tokens.Length - i)), ref sink, out int accepted) != 0 || accepted == 0)
                {
                    throw new InvalidOperationException("the export layer stopped feeding the benchmark completion");
                }

                i += accepted;
                taken += (long)sink.Taken;
            }
        }

        return taken;
    }
}
