using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Decoding;
using Campfire.Harmony.Constraints;

namespace Campfire.Benchmarks.DecodeLoop;

/// <summary>
/// Host sampling under a token mask (<c>--constrain</c>) against the same sampling without one, on one 201,088-logit
/// row: a dense mask as in free text (every ordinary token allowed) and a sparse one as inside JSON (one id in 64).
/// Masked words are skipped whole, so a sparse mask costs less than no mask.
/// </summary>
[MemoryDiagnoser]
public class MaskedSamplerBenchmarks : ITokenWorkload
{
    public long TokensPerOperation => 1;

    private float[] _logits = [];
    private ulong[] _dense = [];
    private ulong[] _sparse = [];
    private TokenSampler _sampler = null!;

    [GlobalSetup]
    public void Setup()
    {
        const int vocabulary = 201088;
        var random = new SplitMix64(1);
        _logits = new float[vocabulary];
        for (int i = 0; i < _logits.Length; i++) _logits[i] = random.NextSigned() * 8;
        _dense = new ulong[TokenMask.WordCount(vocabulary)];
        _sparse = new ulong[_dense.Length];
        for (int id = 0; id < 199998; id++) _dense[id >> 6] |= 1UL << (id & 63);
        for (int id = 17; id < 199998; id += 64) _sparse[id >> 6] |= 1UL << (id & 63);
        _sampler = new TokenSampler(vocabulary, 2);
    }

    [Benchmark(Baseline = true)]
    public int Temperature() => _sampler.Sample(_logits, 1, 1);

    [Benchmark]
    public int TemperatureDenseMask() => _sampler.Sample(_logits, 1, 1, _dense);

    [Benchmark]
    public int TemperatureSparseMask() => _sampler.Sample(_logits, 1, 1, _sparse);

    [Benchmark]
    public int Greedy() => _sampler.Sample(_logits, 0, 1);

    [Benchmark]
    public int GreedyDenseMask() => _sampler.Sample(_logits, 0, 1, _dense);

    [Benchmark]
    public int GreedySparseMask() => _sampler.Sample(_logits, 0, 1, _sparse);
}
