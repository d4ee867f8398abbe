using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Campfire.Kernels;

namespace Campfire.Benchmarks.Kernels;

/// <summary>
/// One decode step's expert matrix–vector product on gpt-oss-20b's shapes (mlp1: 5760 × 2880, mlp2: 2880 × 2880, MXFP4):
/// the fused kernel against dequantise-then-multiply (the whole expert widened to an fp32 buffer with the same E2M1
/// table and scales, as the torch path materialises it, then a SIMD dot product per row) and against a row-at-a-time
/// dequantise into a small buffer then dot (the best unfused form). Each call takes the next of enough experts that
/// their MXFP4 bytes (~128 MB) do not fit the caches: a decode step reads its experts from memory.
/// </summary>
[MemoryDiagnoser]
public class Mxfp4MatVecBenchmarks
{
    private const long FootprintBytes = 128L << 20;

    private byte[][] _blocks = [];
    private byte[][] _scales = [];
    private float[] _input = [];
    private float[] _bias = [];
    private float[] _output = [];
    private float[] _dequantized = [];
    private float[][] _rowBuffers = [];
    private int _next;

    [Params("mlp1 5760x2880", "mlp2 2880x2880")]
    public string Shape { get; set; } = "mlp1 5760x2880";

    [Params(1, 2)]
    public int Threads { get; set; }

    public int Rows => Shape.StartsWith("mlp1", StringComparison.Ordinal) ? 5760 : 2880;

    public const int Columns = 2880;

    /// <summary>MXFP4 bytes one call reads (blocks and scales of one expert matrix): the GB/s in docs/performance.md.</summary>
    public long MxfpBytesPerCall => (long)Rows * (Columns / 32) * 17;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2880);
        int groups = Columns / 32;
        int experts = (int)Math.Max(2, FootprintBytes / MxfpBytesPerCall);
        _blocks = new byte[experts][];
        _scales = new byte[experts][];
        for (int e = 0; e < experts; e++)
        {
            _blocks[e] = new byte[Rows * groups * 16];
            random.NextBytes(_blocks[e]);
            _scales[e] = new byte[Rows * groups];
            for (int i = 0; i < _scales[e].Length; i++) _scales[e][i] = (byte)random.Next(118, 128);
        }
        _input = new float[Columns];
        for (int i = 0; i < Columns; i++) _input[i] = (float)(random.NextDouble() * 2 - 1);
        _bias = new float[Rows];
        _output = new float[Rows];
        _dequantized = new float[Rows * Columns];
        _rowBuffers = [.. Enumerable.Range(0, Threads).Select(_ => new float[Columns])];
    }

    private int NextExpert()
    {
        int e = _next;
        _next = e + 1 == _blocks.Length ? 0 : e + 1;
        return e;
    }

    [Benchmark(Baseline = true)]
    public float DequantizeMatrixThenMultiply()
    {
        int e = NextExpert();
        ForRows(Threads, Rows, (first, end) =>
        {
            for (int r = first; r < end; r++)
                DequantizeRow(_blocks[e], _scales[e], r, _dequantized.AsSpan(r * Columns, Columns));
        });
        ForRows(Threads, Rows, (first, end) =>
        {
            for (int r = first; r < end; r++)
                _output[r] = Dot(_dequantized.AsSpan(r * Columns, Columns), _input) + _bias[r];
        });
        return _output[0];
    }

    [Benchmark]
    public float DequantizeRowThenDot()
    {
        int e = NextExpert();
        ForRows(Threads, Rows, (first, end) =>
        {
            var row = _rowBuffers[first == 0 ? 0 : _rowBuffers.Length - 1];  // Threads is 1 or 2: one buffer per chunk
            for (int r = first; r < end; r++)
            {
                DequantizeRow(_blocks[e], _scales[e], r, row);
                _output[r] = Dot(row, _input) + _bias[r];
            }
        });
        return _output[0];
    }

    [Benchmark]
    public float FusedKernel()
    {
        int e = NextExpert();
        Mxfp4MatVec.Multiply(_blocks[e], _scales[e], _input, _bias, _output, Threads);
        return _output[0];
    }

    // The peers split rows as the kernel does: contiguous halves on two threads, the caller's thread alone on one.
    private static void ForRows(int threads, int rows, Action<int, int> body)
    {
        if (threads == 1)
        {
            body(0, rows);
            return;
        }
        int chunk = (rows + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            w => body(w * chunk, Math.Min(rows, (w + 1) * chunk)));
    }

    private static readonly float[] PairTable = BuildPairTable();

    private static float[] BuildPairTable()
    {
        var fp4 = Mxfp4MatVec.Fp4Values;
        var table = new float[512];
        for (int b = 0; b < 256; b++)
        {
            table[2 * b] = fp4[b & 0xF];
            table[2 * b + 1] = fp4[b >> 4];
        }
        return table;
    }

    /// <summary>The reference dequantisation (Mxfp4.cs's pair table: one lookup per byte, both elements, times the scale).</summary>
    private static void DequantizeRow(byte[] blocks, byte[] scales, int row, Span<float> destination)
    {
        const int groups = Columns / 32;
        var rowBlocks = blocks.AsSpan(row * groups * 16, groups * 16);
        var rowScales = scales.AsSpan(row * groups, groups);
        var table = PairTable;
        for (int g = 0; g < groups; g++)
        {
            float scale = Mxfp4MatVec.ScaleOf(rowScales[g]);
            var group = rowBlocks.Slice(g * 16, 16);
            var target = destination.Slice(g * 32, 32);
            for (int b = 0; b < 16; b++)
            {
                int v = group[b];
                target[2 * b] = table[2 * v] * scale;
                target[2 * b + 1] = table[2 * v + 1] * scale;
            }
        }
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector512<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector512<float>>(b);
        Vector512<float> s0 = Vector512<float>.Zero, s1 = s0;
        int i = 0;
        for (; i + 2 <= va.Length; i += 2)
        {
            s0 = Vector512.FusedMultiplyAdd(va[i], vb[i], s0);
            s1 = Vector512.FusedMultiplyAdd(va[i + 1], vb[i + 1], s1);
        }
        if (i < va.Length) s0 = Vector512.FusedMultiplyAdd(va[i], vb[i], s0);
        float sum = Vector512.Sum(s0 + s1);
        for (int k = va.Length * 16; k < a.Length; k++) sum += a[k] * b[k];
        return sum;
    }
}
