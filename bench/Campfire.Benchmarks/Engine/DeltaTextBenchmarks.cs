using System.Text;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Data;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Tokenization;
using CommunityToolkit.HighPerformance.Buffers;

namespace Campfire.Benchmarks.Engine;

/// <summary>
/// The strings of per-token content deltas (the engine's <c>ContentDelta.Text</c>) over the shared ~4,400-token
/// completion: a fresh string per token (baseline), the engine's cache of one string per token id, and
/// CommunityToolkit.HighPerformance's <see cref="StringPool"/>, which would replace that cache if it were as fast.
/// </summary>
public class DeltaTextBenchmarks : ITokenWorkload
{
    private int[] _tokens = [];
    private readonly string?[] _byId = new string?[HarmonyTokens.VocabularySize];
    private readonly StringPool _pool = new();

    public long TokensPerOperation => _tokens.Length;

    public long Utf8BytesPerOperation => 0;

    [GlobalSetup]
    public void Setup()
    {
        _tokens = O200kHarmonyTokenizer.Instance.EncodeToIds(ParseCorpus.BuildText(), allowSpecialTokens: true);
        TokenIdCache();
        ToolkitStringPool();
    }

    [Benchmark(Baseline = true)]
    public int NewStringPerToken()
    {
        var total = 0;
        foreach (var token in _tokens)
            total += Encoding.UTF8.GetString(O200kHarmonyTokenizer.Instance.GetTokenBytes(token)).Length;
        return total;
    }

    [Benchmark]
    public int TokenIdCache()
    {
        var total = 0;
        foreach (var token in _tokens)
            total += (_byId[token] ??= Encoding.UTF8.GetString(O200kHarmonyTokenizer.Instance.GetTokenBytes(token))).Length;
        return total;
    }

    [Benchmark]
    public int ToolkitStringPool()
    {
        var total = 0;
        foreach (var token in _tokens)
            total += _pool.GetOrAdd(O200kHarmonyTokenizer.Instance.GetTokenBytes(token), Encoding.UTF8).Length;
        return total;
    }
}
