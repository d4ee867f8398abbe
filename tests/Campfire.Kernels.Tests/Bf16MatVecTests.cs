using Campfire.Kernels;

namespace Campfire.Kernels.Tests;

/// <summary>
/// Every instruction-set path of the bf16 matrix–vector kernel against the product computed in float64 from the
/// widened weights. Each bf16 weight is exact in fp32, so the bound is the fp32 summation bound of
/// <see cref="Mxfp4MatVecTests"/>: (K + 2)·u·Σ|w·x| + u·|bias| with u = 2⁻²⁴.
/// </summary>
public sealed class Bf16MatVecTests
{
    public static TheoryData<Mxfp4Isa> SupportedIsas() => Mxfp4MatVecTests.SupportedIsas();

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void MatchesFloat64OnShapesAroundEveryVectorWidthWithAndWithoutBias(Mxfp4Isa isa)
    {
        var random = new Random(64);
        // Columns below, at and past 8, 16, 32 and 64 (the unrolled loops and the scalar tail); rows past a thread chunk.
        foreach (var (rows, columns) in new[] { (1, 1), (3, 7), (5, 8), (9, 17), (4, 31), (6, 64), (7, 65), (3, 100), (600, 64), (2, 2880), (17000, 64) })
        {
            var w = RandomBf16(random, rows * columns);
            var x = RandomVector(random, columns);
            foreach (var bias in new[] { Array.Empty<float>(), RandomVector(random, rows) })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    var output = new float[rows];
                    Bf16MatVec.Multiply(w, x, bias, output, threads, isa);
                    AssertWithinBound(w, x, bias, output, rows, columns, $"{isa} {rows}x{columns} bias {bias.Length} threads {threads}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void RowsSplitAcrossThreadsGiveTheSingleThreadBitsAndOneThreadAllocatesNothing(Mxfp4Isa isa)
    {
        var random = new Random(2);
        int rows = 20001, columns = 128;  // 5.1 MB of weights: split over two threads at MinBytesPerThread
        Assert.True(2L * rows * columns >= 2L * Mxfp4MatVec.MinBytesPerThread);
        var w = RandomBf16(random, rows * columns);
        var x = RandomVector(random, columns);
        var one = new float[rows];
        var two = new float[rows];
        Bf16MatVec.Multiply(w, x, [], one, 1, isa);
        Bf16MatVec.Multiply(w, x, [], two, 2, isa);
        Assert.Equal(one, two);
        // Tier-up of the kernel while other tests call it can show as a one-off allocation: the probe takes the least
        // of three windows after warming past tiering.
        Assert.Equal(0, Campfire.Harmony.Tests.AllocationProbe.LeastAllocated(() => Bf16MatVec.Multiply(w, x, [], one, 1, isa), 10));
    }

    /// <summary>A prefill's tokens share each row read; every token must still get the bits of its own one-vector call.</summary>
    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void ManyVectorsGetExactlyTheBitsOfOneVectorCallsOnEveryShapeAndThreadSplit(Mxfp4Isa isa)
    {
        var random = new Random(9);
        // Odd rows (a pair's last row alone), several 64-row blocks, several 1,024-column chunks with a 16-column and a
        // scalar tail after them.
        foreach (var (rows, columns) in new[] { (1, 1), (5, 8), (9, 17), (6, 64), (7, 65), (3, 100), (33, 1024 + 16 + 3), (131, 2048 + 64 + 16 + 5), (20001, 128) })
        {
            var w = RandomBf16(random, rows * columns);
            foreach (int count in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 25 })
            {
                if ((long)rows * columns * count > 8_000_000 && count > 2) continue;
                var x = RandomVector(random, count * columns);
                var bias = random.Next(2) == 0 ? [] : RandomVector(random, rows);
                var expected = new float[count * rows];
                for (int j = 0; j < count; j++)
                    Bf16MatVec.Multiply(w, x.AsSpan(j * columns, columns), bias, expected.AsSpan(j * rows, rows), 1, isa);
                foreach (int threads in new[] { 1, 2 })
                {
                    var many = new float[count * rows];
                    Bf16MatVec.MultiplyMany(w, x, columns, bias, many, threads, isa);
                    Assert.True(expected.AsSpan().SequenceEqual(many), $"{isa} {rows}x{columns} × {count} vectors, threads {threads}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void ManyVectorsOnOneThreadAllocateNothing(Mxfp4Isa isa)
    {
        var random = new Random(4);
        var w = RandomBf16(random, 64 * 96);
        var x = RandomVector(random, 6 * 96);
        var outputs = new float[6 * 64];
        Assert.Equal(0, Campfire.Harmony.Tests.AllocationProbe.LeastAllocated(() => Bf16MatVec.MultiplyMany(w, x, 96, [], outputs, 1, isa), 10));
    }

    [Fact]
    public void ManyVectorsRejectShapesThatDoNotMatch()
    {
        Assert.Contains("expected a positive multiple of columns (3)", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.MultiplyMany(new ushort[6], new float[7], 3, [], new float[4])).Message);
        Assert.Contains("expected a positive multiple of columns (0)", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.MultiplyMany(new ushort[6], new float[6], 0, [], new float[4])).Message);
        Assert.Contains("expected 2 vectors × rows", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.MultiplyMany(new ushort[6], new float[6], 3, [], new float[5])).Message);
        Assert.Contains("expected rows × columns = 2 × 3 = 6", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.MultiplyMany(new ushort[5], new float[6], 3, [], new float[4])).Message);
        Assert.Contains("bias has 3 values", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.MultiplyMany(new ushort[6], new float[6], 3, new float[3], new float[4])).Message);
        Assert.Contains("threads must be at least 1", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.MultiplyMany(new ushort[6], new float[6], 3, [], new float[4], 0)).Message);
    }

    [Fact]
    public void RejectsShapesThatDoNotMatchAndZeroThreads()
    {
        Assert.Contains("expected rows × columns = 2 × 3 = 6", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.Multiply(new ushort[5], new float[3], [], new float[2])).Message);
        Assert.Contains("bias has 1 values", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.Multiply(new ushort[6], new float[3], new float[1], new float[2])).Message);
        Assert.Contains("input is empty", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.Multiply([], [], [], new float[2])).Message);
        Assert.Contains("threads must be at least 1", Assert.Throws<Mxfp4KernelException>(() => Bf16MatVec.Multiply(new ushort[6], new float[3], [], new float[2], 0)).Message);
    }

    private static float Widen(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    private static ushort[] RandomBf16(Random random, int count)
    {
        var w = new ushort[count];
        for (int i = 0; i < count; i++) w[i] = (ushort)(BitConverter.SingleToInt32Bits((float)(random.NextDouble() * 2 - 1)) >>> 16);
        return w;
    }

    private static float[] RandomVector(Random random, int length)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float)(random.NextDouble() * 4 - 2);
        return v;
    }

    private static void AssertWithinBound(ushort[] w, float[] x, float[] bias, float[] actual, int rows, int columns, string what)
    {
        const double u = 1.0 / (1 << 24);
        for (int r = 0; r < rows; r++)
        {
            double sum = 0, magnitude = 0;
            for (int k = 0; k < columns; k++)
            {
                double term = (double)Widen(w[r * columns + k]) * x[k];
                sum += term;
                magnitude += Math.Abs(term);
            }
            double b = bias.Length == 0 ? 0 : bias[r];
            double bound = (columns + 2) * u * magnitude + u * Math.Abs(b);
            double error = Math.Abs(actual[r] - (sum + b));
            Assert.True(error <= bound, $"{what}: row {r}: got {actual[r]:R}, float64 {sum + b:R}, error {error:E3} > bound {bound:E3}");
        }
    }
}
