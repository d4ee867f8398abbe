using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Data;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Native.Exports;
using Campfire.Native.Parsing;

namespace Campfire.Benchmarks.Native;

/// <summary>
/// What the C ABI adds per token: the shared parser benchmark completion (<see cref="ParseCorpus"/>, also the
/// input of the C benchmark native/bench) parsed token by token by the managed <see cref="HarmonyStreamParser"/>
/// (baseline), and the same through the export layer (the code behind campfire_parser_feed_next), in process and through the exported entry point.
/// Results are per token (OperationsPerInvoke = the completion's token count).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public unsafe class NativeAbiBenchmarks : ITokenWorkload
{
    private const int CompletionTokens = 4376;

    private int[] _tokens = [];
    private nint _parser;
    private readonly NativeParser _layer = new(role: 1, mode: 0);
    private readonly byte[] _text = new byte[4096];

    // OperationsPerInvoke = CompletionTokens: one BenchmarkDotNet operation is one token fed.
    public long TokensPerOperation => 1;

    [GlobalSetup]
    public void Setup()
    {
        _tokens = O200kHarmonyTokenizer.Instance.EncodeToIds(ParseCorpus.BuildText(), allowSpecialTokens: true);
        if (_tokens.Length != CompletionTokens)
        {
            throw new InvalidOperationException($"the completion has {_tokens.Length} tokens, the benchmark expects {CompletionTokens}");
        }

        nint parser;
        delegate* unmanaged<int, int, nint*, int> create = &ParserExports.Create;
        if (create(1, 0, &parser) != 0)
        {
            throw new InvalidOperationException("campfire_parser_create failed");
        }

        _parser = parser;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        delegate* unmanaged<nint, int> free = &ParserExports.Free;
        free(_parser);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CompletionTokens)]
    public long ManagedStreamParser()
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        long bytes = 0;
        foreach (int token in _tokens)
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

    /// <summary>
    /// The export layer's own work, without the boundary crossing: what campfire_parser_feed_next does behind the
    /// handle look-up (feed, first event straight into the caller's buffers, further events queued and taken).
    /// </summary>
    [Benchmark(OperationsPerInvoke = CompletionTokens)]
    [HotPath(Goal = "0 B/token: the C ABI's streaming path allocates nothing")]
    public long ExportLayerFeedNext()
    {
        _layer.Reset();
        long bytes = 0;
        NativeEvent e;
        fixed (byte* text = _text)
        {
            foreach (int token in _tokens)
            {
                _layer.FeedDirect(token, &e, text, (nuint)_text.Length, out bool delivered);
                bytes += delivered ? e.Text.Length : 0;
                while (_layer.Events.Count > 0)
                {
                    bytes += _layer.Events.Take(_text).Kind;
                }
            }
        }

        return bytes;
    }

    /// <summary>The same work through the real exported entry point, called as an unmanaged function pointer: on
    /// CoreCLR that adds a managed-to-native and a native-to-managed transition per call, which cost more than the
    /// single reverse transition a C host pays into the NativeAOT library (measured by native/bench).</summary>
    [Benchmark(OperationsPerInvoke = CompletionTokens)]
    public long ExportedFeedNextViaFunctionPointer()
    {
        delegate* unmanaged<nint, int> reset = &ParserExports.Reset;
        delegate* unmanaged<nint, int, NativeEvent*, byte*, nuint, nuint*, nuint*, int> feedNext = &ParserExports.FeedNext;
        delegate* unmanaged<nint, NativeEvent*, byte*, nuint, nuint*, int> next = &ParserExports.NextEvent;
        reset(_parser);
        long bytes = 0;
        NativeEvent e;
        nuint length, pending;
        fixed (byte* text = _text)
        {
            foreach (int token in _tokens)
            {
                feedNext(_parser, token, &e, text, (nuint)_text.Length, &length, &pending);
                bytes += (long)length;
                for (; pending > 0; pending--)
                {
                    next(_parser, &e, text, (nuint)_text.Length, &length);
                    bytes += (long)length;
                }
            }
        }

        return bytes;
    }
}
