using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Native.Exports;
using Campfire.Native.Parsing;

namespace Campfire.Benchmarks.Native;

/// <summary>
/// What the C ABI adds per token: the benchmark completion (native/bench/completion.txt, the one the C benchmark
/// feeds) parsed token by token by the managed <see cref="HarmonyStreamParser"/> (baseline), and the same through the
/// exported entry points called as unmanaged function pointers, i.e. across the managed/native boundary both ways.
/// Results are per token (OperationsPerInvoke = the completion's token count).
/// </summary>
[MemoryDiagnoser]
public unsafe class NativeAbiBenchmarks : ITokenWorkload
{
    private const int CompletionTokens = 4468;

    private int[] _tokens = [];
    private nint _parser;
    private readonly byte[] _text = new byte[4096];

    // OperationsPerInvoke = CompletionTokens: one BenchmarkDotNet operation is one token fed.
    public long TokensPerOperation => 1;

    [GlobalSetup]
    public void Setup()
    {
        _tokens = O200kHarmonyTokenizer.Instance.EncodeToIds(File.ReadAllText(FindCompletion()), allowSpecialTokens: true);
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

    [Benchmark(OperationsPerInvoke = CompletionTokens)]
    public long AbiFeedThenNextEvent()
    {
        delegate* unmanaged<nint, int> reset = &ParserExports.Reset;
        delegate* unmanaged<nint, int, nuint*, int> feed = &ParserExports.Feed;
        delegate* unmanaged<nint, NativeEvent*, byte*, nuint, nuint*, int> next = &ParserExports.NextEvent;
        reset(_parser);
        long bytes = 0;
        NativeEvent e;
        nuint length, pending;
        fixed (byte* text = _text)
        {
            foreach (int token in _tokens)
            {
                feed(_parser, token, &pending);
                for (; pending > 0; pending--)
                {
                    next(_parser, &e, text, (nuint)_text.Length, &length);
                    bytes += (long)length;
                }
            }
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = CompletionTokens)]
    public long AbiFeedNext()
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

    private static string FindCompletion()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "native", "bench", "completion.txt");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "native", "bench", "completion.txt");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("native/bench/completion.txt not found above the benchmark's folder");
    }
}
