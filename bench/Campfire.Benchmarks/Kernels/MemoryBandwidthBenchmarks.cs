using BenchmarkDotNet.Attributes;

namespace Campfire.Benchmarks.Kernels;

/// <summary>
/// This machine's copy bandwidth, the yardstick for the MXFP4 kernel's GB/s: Buffer.MemoryCopy of 256 MB (so no cache
/// holds it), on one thread and as two halves on two threads.
/// </summary>
[MemoryDiagnoser]
public class MemoryBandwidthBenchmarks
{
    public const long Bytes = 256L << 20;

    private byte[] _source = [];
    private byte[] _destination = [];

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _source = GC.AllocateUninitializedArray<byte>((int)Bytes);
        _destination = GC.AllocateUninitializedArray<byte>((int)Bytes);
        new Random(256).NextBytes(_source);
        _destination.AsSpan().Fill(1);
    }

    [Benchmark]
    public unsafe void Memcpy256MB()
    {
        fixed (byte* s = _source)
        fixed (byte* d = _destination)
        {
            if (Threads == 1)
            {
                Buffer.MemoryCopy(s, d, Bytes, Bytes);
                return;
            }
            long half = Bytes / 2;
            nint source = (nint)s, destination = (nint)d;
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                w => Buffer.MemoryCopy((void*)(source + w * half), (void*)(destination + w * half), half, half));
        }
    }
}
