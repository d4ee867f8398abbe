using Campfire.Kernels;

namespace Campfire.Kernels.Tests;

/// <summary>
/// Every instruction-set path of the fused kernel against the definition, dequantise-then-multiply, computed in float64
/// from the E2M1 table of the OCP spec (and gpt-oss's reference) and 2^(scale − 127).
/// </summary>
/// <remarks>
/// Tolerance, per output row: |y − y₆₄| ≤ (K + 2)·u·Σ_k |w_k·x_k| + u·|bias| + (K + 2)·2⁻¹⁴⁹ with u = 2⁻²⁴ and K the row
/// length. Every dequantised weight w_k is exact in fp32 (an E2M1 value times a power of two, subnormal included), so
/// the only roundings are the K products (relative u each, or absolute 2⁻¹⁵⁰ when subnormal), the K − 1 additions in
/// whatever order the lanes take (Higham's bound for any summation order, (K − 1)·u·Σ|terms| to first order; an FMA
/// only drops a rounding) and the bias add. Layout mistakes (swapped nibbles, a wrong scale, a lost tail group) are
/// errors of the order of a whole term, far above the bound for these inputs.
/// </remarks>
public sealed class Mxfp4MatVecTests
{
    private static readonly double[] Fp4 = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6];

    public static TheoryData<Mxfp4Isa> SupportedIsas()
    {
        var data = new TheoryData<Mxfp4Isa>();
        foreach (var isa in Enum.GetValues<Mxfp4Isa>())
        {
            if (Mxfp4MatVec.IsSupported(isa)) data.Add(isa);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void MatchesFloat64DequantizeThenMultiply_OnOddShapes(Mxfp4Isa isa)
    {
        var random = new Random(17);
        // Rows not a multiple of any vector width or thread chunk; odd group counts exercise the two-group unroll's tail.
        foreach (var (rows, groups) in new[] { (1, 1), (3, 1), (7, 3), (17, 5), (33, 2), (65, 90), (130, 7), (5, 180) })
        {
            var m = RandomMatrix(random, rows, groups, () => (byte)random.Next(110, 135));
            var x = RandomVector(random, groups * 32, 1.0);
            var output = new float[rows];
            Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, [], output, isa: isa);
            AssertWithinBound(m, x.Select(v => (double)v).ToArray(), null, output, $"{isa} {rows}x{groups * 32}");
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void MatchesFloat64_WithBias(Mxfp4Isa isa)
    {
        var random = new Random(3);
        var m = RandomMatrix(random, 45, 9, () => (byte)random.Next(118, 130));
        var x = RandomVector(random, 9 * 32, 2.0);
        var bias = RandomVector(random, 45, 3.0);
        var output = new float[45];
        Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, bias, output, isa: isa);
        AssertWithinBound(m, x.Select(v => (double)v).ToArray(), bias, output, $"{isa} with bias");
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void MatchesFloat64_AtSubnormalScales(Mxfp4Isa isa)
    {
        // Scales 0, 1, 2 give weights down to 0.5 · 2^-127 = 2^-128: fp32 subnormals, still exact in the table.
        var random = new Random(5);
        byte[] edge = [0, 1, 2, 126, 127, 128];
        var m = RandomMatrix(random, 29, 11, () => edge[random.Next(edge.Length)]);
        var x = RandomVector(random, 11 * 32, 1.0);
        var output = new float[29];
        Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, [], output, isa: isa);
        AssertWithinBound(m, x.Select(v => (double)v).ToArray(), null, output, $"{isa} subnormal scales");
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void MatchesFloat64_AtTheLargestFiniteScale(Mxfp4Isa isa)
    {
        // 252 is the largest scale whose every element is finite in fp32 (6 · 2^125); the input is small so the sums are too.
        var random = new Random(7);
        byte[] edge = [0, 127, 200, 250, 251, 252];
        var m = RandomMatrix(random, 23, 13, () => edge[random.Next(edge.Length)]);
        var x = RandomVector(random, 13 * 32, Math.ScaleB(1.0, -110));
        var output = new float[23];
        Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, [], output, isa: isa);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        AssertWithinBound(m, x.Select(v => (double)v).ToArray(), null, output, $"{isa} large scales");
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void Bf16InputEqualsItsFloat32Widening(Mxfp4Isa isa)
    {
        var random = new Random(11);
        var m = RandomMatrix(random, 37, 6, () => (byte)random.Next(115, 132));
        var x = RandomVector(random, 6 * 32, 1.5);
        var bits = x.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >>> 16)).ToArray();
        var widened = bits.Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray();
        var fromBf16 = new float[37];
        var fromFloat = new float[37];
        Mxfp4MatVec.MultiplyBf16(m.Blocks, m.Scales, bits, [], fromBf16, isa: isa);
        Mxfp4MatVec.Multiply(m.Blocks, m.Scales, widened, [], fromFloat, isa: isa);
        Assert.Equal(fromFloat, fromBf16);
        AssertWithinBound(m, widened.Select(v => (double)v).ToArray(), null, fromBf16, $"{isa} bf16 input");
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void RowsSplitAcrossThreadsGiveTheSingleThreadResultExactly(Mxfp4Isa isa)
    {
        // Each row is computed by one thread in one order whatever the split, so the results are bit-identical.
        var random = new Random(13);
        // 16,001 rows of 32 groups: 8.7 MB, enough for four threads at MinBytesPerThread.
        const int rows = 16001;
        Assert.True((long)rows * 32 * 17 >= 4L * Mxfp4MatVec.MinBytesPerThread);
        var m = RandomMatrix(random, rows, 32, () => (byte)random.Next(118, 130));
        var x = RandomVector(random, 32 * 32, 1.0);
        var bias = RandomVector(random, rows, 1.0);
        var one = new float[rows];
        Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, bias, one, threads: 1, isa: isa);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            var split = new float[rows];
            Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, bias, split, threads: threads, isa: isa);
            Assert.Equal(one, split);
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void LargeInputsStagedOutsideTheStackMatchFloat64(Mxfp4Isa isa)
    {
        var random = new Random(19);
        var m = RandomMatrix(random, 9, 300, () => (byte)random.Next(118, 130));  // 9600 inputs: the pooled-buffer path
        var x = RandomVector(random, 300 * 32, 1.0);
        var output = new float[9];
        Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, [], output, isa: isa);
        AssertWithinBound(m, x.Select(v => (double)v).ToArray(), null, output, $"{isa} 9600 inputs");
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void SingleThreadCallAllocatesNothingOnceWarm(Mxfp4Isa isa)
    {
        var random = new Random(23);
        foreach (int groups in new[] { 90, 300 })
        {
            var m = RandomMatrix(random, 64, groups, () => (byte)random.Next(118, 130));
            var x = RandomVector(random, groups * 32, 1.0);
            var bits = x.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >>> 16)).ToArray();
            var bias = RandomVector(random, 64, 1.0);
            var output = new float[64];
            for (int warm = 0; warm < 3; warm++)
            {
                Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, bias, output, isa: isa);
                Mxfp4MatVec.MultiplyBf16(m.Blocks, m.Scales, bits, bias, output, isa: isa);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, bias, output, isa: isa);
                Mxfp4MatVec.MultiplyBf16(m.Blocks, m.Scales, bits, bias, output, isa: isa);
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void ManyVectorsGetExactlyTheBitsOfOneCallEach_AndMatchFloat64(Mxfp4Isa isa)
    {
        var random = new Random(29);
        // Vector counts around the six-vector tile (short and evened-out tiles), odd row counts (a pair's last row alone),
        // several 64-row blocks, odd group counts (the parities' split), several 1,024-column chunks (90 groups).
        foreach (var (rows, groups, count) in new[] { (1, 1, 1), (7, 3, 2), (17, 5, 3), (65, 32, 4), (130, 7, 5), (33, 90, 12), (300, 2, 9), (2001, 64, 6),
                     (131, 45, 13), (67, 91, 7), (9, 33, 25) })
        {
            var m = RandomMatrix(random, rows, groups, () => (byte)random.Next(110, 135));
            var inputs = RandomVector(random, count * groups * 32, 1.0);
            var bias = RandomVector(random, rows, 1.0);
            foreach (int threads in new[] { 1, 2 })
            {
                var outputs = new float[count * rows];
                Mxfp4MatVec.MultiplyMany(m.Blocks, m.Scales, inputs, groups * 32, bias, outputs, threads, isa);
                for (int j = 0; j < count; j++)
                {
                    var x = inputs.AsSpan(j * groups * 32, groups * 32).ToArray();
                    var one = new float[rows];
                    Mxfp4MatVec.Multiply(m.Blocks, m.Scales, x, bias, one, isa: isa);
                    Assert.Equal(one, outputs.AsSpan(j * rows, rows).ToArray());
                    AssertWithinBound(m, x.Select(v => (double)v).ToArray(), bias, one, $"{isa} {rows}x{groups * 32} vector {j} of {count}");
                }
            }
        }
    }

    [Fact]
    public void ManyVectorsRejectInputsThatAreNotWholeVectorsAndOutputsThatAreNotWholeRows()
    {
        var m = RandomMatrix(new Random(1), 4, 1, () => 127);
        var e = Assert.Throws<Mxfp4KernelException>(() => Mxfp4MatVec.MultiplyMany(m.Blocks, m.Scales, new float[40], 32, [], new float[8]));
        Assert.Contains("positive multiple of columns (32)", e.Message);
        e = Assert.Throws<Mxfp4KernelException>(() => Mxfp4MatVec.MultiplyMany(m.Blocks, m.Scales, new float[64], 32, [], new float[9]));
        Assert.Contains("expected 2 vectors × rows", e.Message);
        e = Assert.Throws<Mxfp4KernelException>(() => Mxfp4MatVec.MultiplyMany(m.Blocks, m.Scales, new float[64], 32, [], new float[6]));
        Assert.Contains("scales has 4 bytes", e.Message);
    }

    [Fact]
    public void ScalesAreExactPowersOfTwoIncludingTheSubnormalAndOverflowingEnds()
    {
        Assert.Equal(1f, Mxfp4MatVec.ScaleOf(127));
        Assert.Equal(0.5f, Mxfp4MatVec.ScaleOf(126));
        Assert.Equal((float)Math.ScaleB(1.0, -127), Mxfp4MatVec.ScaleOf(0));
        Assert.Equal((float)Math.ScaleB(1.0, 127), Mxfp4MatVec.ScaleOf(254));
        Assert.Equal(float.PositiveInfinity, Mxfp4MatVec.ScaleOf(255));
    }

    [Fact]
    public void Fp4TableIsTheSpecsE2M1Table()
    {
        var table = Mxfp4MatVec.Fp4Values.ToArray();
        Assert.Equal(Fp4, table.Select(v => (double)v).ToArray());
        Assert.True(float.IsNegative(table[8]));  // −0 keeps its sign, as the reference's table does
    }

    [Fact]
    public void RejectsBlocksOfTheWrongLength()
    {
        var e = Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.Multiply(new byte[2 * 16 - 1], new byte[2], new float[32], [], new float[2]));
        Assert.Equal("blocks has 31 bytes, expected rows × groups × 16 = 32", e.Message);
    }

    [Fact]
    public void RejectsScalesOfTheWrongLength()
    {
        var e = Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.Multiply(new byte[3 * 2 * 16], new byte[5], new float[64], [], new float[3]));
        Assert.Equal("scales has 5 bytes, expected rows × groups = 3 × 2 = 6 (output length × input length / 32)", e.Message);
    }

    [Fact]
    public void RejectsAnInputThatIsNotWholeGroups()
    {
        var e = Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.Multiply(new byte[16], new byte[1], new float[31], [], new float[1]));
        Assert.Equal("input has 31 elements: MXFP4 rows need a positive multiple of 32", e.Message);
        var bf16 = Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.MultiplyBf16(new byte[16], new byte[1], new ushort[0], [], new float[1]));
        Assert.Equal("inputBf16 has 0 elements: MXFP4 rows need a positive multiple of 32", bf16.Message);
    }

    [Fact]
    public void RejectsABiasThatIsNotOnePerRow()
    {
        var e = Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.Multiply(new byte[2 * 16], new byte[2], new float[32], new float[3], new float[2]));
        Assert.Equal("bias has 3 values, expected none or one per row (2)", e.Message);
    }

    [Fact]
    public void RejectsAnEmptyOutputAndZeroThreads()
    {
        Assert.Equal("output is empty: at least one row is needed", Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.Multiply([], [], new float[32], [], [])).Message);
        Assert.Equal("threads must be at least 1, got 0", Assert.Throws<Mxfp4KernelException>(() =>
            Mxfp4MatVec.Multiply(new byte[16], new byte[1], new float[32], [], new float[1], threads: 0)).Message);
    }

    private sealed record Matrix(int Rows, int Groups, byte[] Blocks, byte[] Scales);

    private static Matrix RandomMatrix(Random random, int rows, int groups, Func<byte> scale)
    {
        var blocks = new byte[rows * groups * 16];
        random.NextBytes(blocks);
        var scales = new byte[rows * groups];
        for (int i = 0; i < scales.Length; i++) scales[i] = scale();
        return new Matrix(rows, groups, blocks, scales);
    }

    private static float[] RandomVector(Random random, int length, double magnitude)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float)((random.NextDouble() * 2 - 1) * magnitude);
        return v;
    }

    private static void AssertWithinBound(Matrix m, double[] x, float[]? bias, float[] actual, string what)
    {
        const double u = 1.0 / (1 << 24);
        int k = m.Groups * 32;
        for (int r = 0; r < m.Rows; r++)
        {
            double sum = 0, magnitude = 0;
            for (int g = 0; g < m.Groups; g++)
            {
                double scale = Math.ScaleB(1.0, m.Scales[r * m.Groups + g] - 127);
                for (int b = 0; b < 16; b++)
                {
                    byte v = m.Blocks[(r * m.Groups + g) * 16 + b];
                    double lo = Fp4[v & 0xF] * scale * x[g * 32 + 2 * b];
                    double hi = Fp4[v >> 4] * scale * x[g * 32 + 2 * b + 1];
                    sum += lo + hi;
                    magnitude += Math.Abs(lo) + Math.Abs(hi);
                }
            }
            double b0 = bias is null ? 0 : bias[r];
            double expected = sum + b0;
            double bound = (k + 2) * u * magnitude + u * Math.Abs(b0) + (k + 2) * Math.ScaleB(1.0, -149);
            double error = Math.Abs(actual[r] - expected);
            Assert.True(error <= bound, $"{what}: row {r}: got {actual[r]:R}, float64 {expected:R}, error {error:E3} > bound {bound:E3}");
        }
    }
}
