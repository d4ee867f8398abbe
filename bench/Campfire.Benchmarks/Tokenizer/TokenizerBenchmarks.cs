using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>Encoding throughput against Microsoft.ML.Tokenizers 2.0.1 (the baseline), single thread.</summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TokenizerBenchmarks : ITokenWorkload
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(ThroughputColumn.MegabytesPerSecond, ThroughputColumn.TokensPerSecond);
        }
    }

    private TiktokenTokenizer _peer = null!;
    private string _text = null!;
    private int[] _ids = null!;

    [Params(TokenizerCorpora.English, TokenizerCorpora.Multilingual)]
    public string Corpus { get; set; } = TokenizerCorpora.English;

    public long TokensPerOperation { get; private set; }

    public long Utf8BytesPerOperation => TokenizerCorpora.Utf8Length(Corpus);

    [GlobalSetup]
    public void Setup()
    {
        TokensPerOperation = O200kHarmonyTokenizer.Instance.CountTokens(TokenizerCorpora.Get(Corpus));
        _peer = TiktokenTokenizer.CreateForEncoding("o200k_harmony");
        _text = TokenizerCorpora.Get(Corpus);
        _ids = new int[_text.Length + 16];
        _ = O200kHarmonyTokenizer.Instance;
    }

    [Benchmark(Baseline = true, Description = "Microsoft.ML.Tokenizers EncodeToIds")]
    public int MicrosoftMLTokenizers() => _peer.EncodeToIds(_text).Count;

    [Benchmark(Description = "Campfire EncodeToIds(string) -> int[]")]
    public int CampfireToArray() => O200kHarmonyTokenizer.Instance.EncodeToIds(_text).Length;

    [Benchmark(Description = "Campfire EncodeToIds(span, Span<int>)")]
    public int CampfireToSpan()
    {
        O200kHarmonyTokenizer.Instance.EncodeToIds(_text, _ids, out _, out int written);
        return written;
    }
}

/// <summary>
/// Linear worst case: 1 MB with no spaces and 1 MB of one repeated char (each a single pre-tokenizer piece) against
/// 1 MB of prose, all ours (Microsoft.ML.Tokenizers needs seconds per 100 KB of such input; see docs/performance.md).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TokenizerWorstCaseBenchmarks : ITokenWorkload
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(ThroughputColumn.MegabytesPerSecond, ThroughputColumn.TokensPerSecond);
        }
    }

    private int[] _ids = null!;

    public long TokensPerOperation => SizeOf(nameof(Prose1MB)).Tokens;

    public WorkloadSize SizeOf(string benchmarkMethod)
    {
        var corpus = benchmarkMethod switch
        {
            nameof(NoSpaces1MB) => TokenizerCorpora.NoSpaces1MB,
            nameof(RepeatedChar1MB) => TokenizerCorpora.RepeatedChar1MB,
            _ => TokenizerCorpora.Prose1MB,
        };
        return new(O200kHarmonyTokenizer.Instance.CountTokens(TokenizerCorpora.Get(corpus)), TokenizerCorpora.Utf8Length(corpus));
    }

    [GlobalSetup]
    public void Setup()
    {
        _ids = new int[(1 << 20) + 16];
        _ = O200kHarmonyTokenizer.Instance;
    }

    private int Encode(string corpus)
    {
        O200kHarmonyTokenizer.Instance.EncodeToIds(TokenizerCorpora.Get(corpus), _ids, out _, out int written);
        return written;
    }

    [Benchmark(Baseline = true)]
    public int Prose1MB() => Encode(TokenizerCorpora.Prose1MB);

    [Benchmark]
    public int NoSpaces1MB() => Encode(TokenizerCorpora.NoSpaces1MB);

    [Benchmark]
    public int RepeatedChar1MB() => Encode(TokenizerCorpora.RepeatedChar1MB);
}
