using BenchmarkDotNet.Attributes;
using Campfire.Kernels;

namespace Campfire.Benchmarks.Kernels;

/// <summary>
/// One decode token's attention in one layer of gpt-oss-20b's shapes (64 query heads over 8 kv heads of 64, bf16 cache)
/// with <see cref="SingleQueryAttention"/>: a sliding layer's window (128 slots) and a full layer at 4,096 positions;
/// the scalar path is the baseline the vector path is measured against in the same run, and a call allocates nothing.
/// </summary>
[MemoryDiagnoser]
public class SingleQueryAttentionBenchmarks
{
    private const int Heads = 64, KvHeads = 8, HeadDim = 64;

    private float[] _query = [];
    private ushort[] _keys = [];
    private ushort[] _values = [];
    private int[] _attend = [];
    private float[] _sinks = [];
    private float[] _output = [];

    [Params(128, 4096)]
    public int Positions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20);
        _query = Enumerable.Range(0, Heads * HeadDim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _keys = Bf16(random, Positions * KvHeads * HeadDim);
        _values = Bf16(random, Positions * KvHeads * HeadDim);
        _attend = Enumerable.Range(0, Positions).ToArray();
        _sinks = Enumerable.Range(0, Heads).Select(_ => (float)random.NextDouble()).ToArray();
        _output = new float[Heads * HeadDim];
    }

    private static ushort[] Bf16(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (ushort)(BitConverter.SingleToUInt32Bits((float)(random.NextDouble() * 2 - 1)) >> 16)).ToArray();

    [Benchmark(Baseline = true)]
    public float Scalar()
    {
        SingleQueryAttention.ComputeBf16(_query, _keys, _values, _attend, _sinks, KvHeads, 0.125f, _output, 1, Mxfp4Isa.Scalar);
        return _output[0];
    }

    [Benchmark]
    public float Vector()
    {
        SingleQueryAttention.ComputeBf16(_query, _keys, _values, _attend, _sinks, KvHeads, 0.125f, _output, 1);
        return _output[0];
    }
}
