using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Campfire.Kernels;

namespace Campfire.Benchmarks.Kernels;

/// <summary>
/// A kernel call split over two threads after the caller has worked alone for a while, as a decode step's products are
/// (norms, attention and routing run on one thread between them): gpt-oss-20b's attention output projection (2,880 ×
/// 4,096 bf16, one token). Baseline: the rows halved with <c>Parallel.For</c> on the thread pool, as the kernels split
/// calls before <see cref="KernelThreads"/>; against <see cref="Bf16MatVec.Multiply"/> at two threads, whose second half
/// runs on a kernel worker that spins between calls. Both include the same gap of single-threaded work.
/// </summary>
[MemoryDiagnoser]
public class SplitCallBenchmarks
{
    private const int Rows = 2880, Columns = 4096;
    private ushort[] _weights = [];
    private float[] _input = [];
    private float[] _output = [];

    [Params(0, 300, 1000)]
    public int GapMicroseconds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(17);
        _weights = new ushort[Rows * Columns];
        for (int i = 0; i < _weights.Length; i++) _weights[i] = (ushort)(BitConverter.SingleToInt32Bits((float)(random.NextDouble() * 0.06 - 0.03)) >> 16);
        _input = new float[Columns];
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)(random.NextDouble() * 2 - 1);
        _output = new float[Rows];
        KernelThreads.Start(1);
    }

    [Benchmark(Baseline = true)]
    public float ThreadPoolHalves()
    {
        WorkAlone();
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, half =>
        {
            int first = half * (Rows / 2);
            Bf16MatVec.Multiply(_weights.AsSpan(first * Columns, Rows / 2 * Columns), _input, ReadOnlySpan<float>.Empty, _output.AsSpan(first, Rows / 2));
        });
        return _output[0];
    }

    [Benchmark]
    public float KernelWorkers()
    {
        WorkAlone();
        Bf16MatVec.Multiply(_weights, _input, ReadOnlySpan<float>.Empty, _output, threads: 2);
        return _output[0];
    }

    private void WorkAlone()
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalMicroseconds < GapMicroseconds) Thread.SpinWait(10);
    }
}
