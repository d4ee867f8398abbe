using Campfire.Kernels;

namespace Campfire.Kernels.Tests;

/// <summary>
/// The one-query attention kernel (grouped kv heads, a sink logit per head in the softmax denominator) against the
/// same attention computed in float64 from the same fp32 or bf16 cache, on every instruction-set path.
/// </summary>
public sealed class SingleQueryAttentionTests
{
    public static TheoryData<Mxfp4Isa> SupportedIsas() => Mxfp4MatVecTests.SupportedIsas();

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void MatchesFloat64AttentionWithSinksOverFp32AndBf16Caches(Mxfp4Isa isa)
    {
        var random = new Random(17);
        // head sizes below, at and past the 8-wide vectors (scalar tails), groups of 1..8 query heads per kv head
        foreach (var (heads, kvHeads, headDim, slots) in new[] { (1, 1, 1, 1), (4, 2, 16, 5), (8, 1, 12, 9), (8, 8, 64, 3), (64, 8, 64, 40), (6, 3, 20, 130) })
        {
            var query = RandomVector(random, heads * headDim, 2);
            var keys = RandomVector(random, slots * kvHeads * headDim, 2);
            var values = RandomVector(random, slots * kvHeads * headDim, 1);
            var sinks = RandomVector(random, heads, 3);
            // slots out of order and some left out (empty ring slots, outside the window)
            int[] attend = Enumerable.Range(0, slots).Where(s => s % 3 != 1 || slots == 1).Reverse().ToArray();
            float scale = 1f / MathF.Sqrt(headDim);

            var output = new float[heads * headDim];
            SingleQueryAttention.ComputeFloat32(query, keys, values, attend, sinks, kvHeads, scale, output, 1, isa);
            AssertClose(Reference(query, keys, values, attend, sinks, kvHeads, headDim, scale), output, $"{isa} fp32 {heads}/{kvHeads}x{headDim} over {attend.Length}");

            var keyBits = ToBf16(keys);
            var valueBits = ToBf16(values);
            SingleQueryAttention.ComputeBf16(query, keyBits, valueBits, attend, sinks, kvHeads, scale, output, 1, isa);
            AssertClose(Reference(query, Widen(keyBits), Widen(valueBits), attend, sinks, kvHeads, headDim, scale), output, $"{isa} bf16 {heads}/{kvHeads}x{headDim} over {attend.Length}");
        }
    }

    [Fact]
    public void With_no_attended_slot_the_sink_takes_all_the_weight_and_the_output_is_zero()
    {
        var output = Enumerable.Repeat(5f, 8).ToArray();
        SingleQueryAttention.ComputeFloat32(RandomVector(new Random(1), 8, 1), new float[4 * 4], new float[4 * 4], [], [0.5f, -1f], 1, 0.5f, output);
        Assert.All(output, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void KvHeadsSplitAcrossThreadsGiveTheSingleThreadBitsAndOneThreadAllocatesNothing(Mxfp4Isa isa)
    {
        var random = new Random(3);
        int heads = 64, kvHeads = 8, headDim = 64, slots = 2200;   // 64 × 2200 scores: at the split threshold for two threads
        Assert.True((long)heads * slots >= 2 * SingleQueryAttention.MinScoresPerThread);
        var query = RandomVector(random, heads * headDim, 1);
        var keys = ToBf16(RandomVector(random, slots * kvHeads * headDim, 1));
        var values = ToBf16(RandomVector(random, slots * kvHeads * headDim, 1));
        var sinks = RandomVector(random, heads, 1);
        int[] attend = Enumerable.Range(0, slots).ToArray();
        var one = new float[heads * headDim];
        var two = new float[heads * headDim];
        SingleQueryAttention.ComputeBf16(query, keys, values, attend, sinks, kvHeads, 0.125f, one, 1, isa);
        SingleQueryAttention.ComputeBf16(query, keys, values, attend, sinks, kvHeads, 0.125f, two, 2, isa);
        Assert.Equal(one, two);
        Assert.Equal(0, Campfire.Harmony.Tests.AllocationProbe.LeastAllocated(
            () => SingleQueryAttention.ComputeBf16(query, keys, values, attend, sinks, kvHeads, 0.125f, one, 1, isa), 10));
    }

    [Fact]
    public void RejectsShapesThatDoNotMatchSlotsOutsideTheCacheAndZeroThreads()
    {
        float[] q = new float[8], kv = new float[2 * 8], o = new float[8];
        Assert.Contains("sinks is empty", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(q, kv, kv, [0], [], 1, 1, o)).Message);
        Assert.Contains("3 query heads cannot be grouped over 2 kv heads", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(new float[6], kv, kv, [0], new float[3], 2, 1, new float[6])).Message);
        Assert.Contains("output has 7 values", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(q, kv, kv, [0], [0f], 1, 1, new float[7])).Message);
        Assert.Contains("must both be slots", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(q, kv, new float[9], [0], [0f], 1, 1, o)).Message);
        Assert.Contains("attended slot 2 is outside the cache's 2 slots", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(q, kv, kv, [0, 2], [0f], 1, 1, o)).Message);
        Assert.Contains("attended slot -1", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(q, kv, kv, [-1], [0f], 1, 1, o)).Message);
        Assert.Contains("head size 1025 is over the 1024", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(new float[1025], new float[1025], new float[1025], [0], [0f], 1, 1, new float[1025])).Message);
        Assert.Contains("threads must be at least 1", Assert.Throws<Mxfp4KernelException>(() => SingleQueryAttention.ComputeFloat32(q, kv, kv, [0], [0f], 1, 1, o, 0)).Message);
    }

    private static double[] Reference(float[] query, float[] keys, float[] values, int[] attend, float[] sinks, int kvHeads, int headDim, float scale)
    {
        int heads = sinks.Length, group = heads / kvHeads;
        var output = new double[heads * headDim];
        for (int h = 0; h < heads; h++)
        {
            int g = h / group;
            var scores = attend.Select(j =>
            {
                double dot = 0;
                for (int d = 0; d < headDim; d++) dot += (double)query[h * headDim + d] * keys[(j * kvHeads + g) * headDim + d];
                return dot * scale;
            }).ToArray();
            double max = Math.Max(sinks[h], scores.DefaultIfEmpty(double.NegativeInfinity).Max());
            double denominator = Math.Exp(sinks[h] - max) + scores.Sum(s => Math.Exp(s - max));
            for (int i = 0; i < attend.Length; i++)
            {
                double p = Math.Exp(scores[i] - max) / denominator;
                for (int d = 0; d < headDim; d++) output[h * headDim + d] += p * values[(attend[i] * kvHeads + g) * headDim + d];
            }
        }
        return output;
    }

    // fp32 softmax and sums over at most a few hundred terms of magnitude ≤ ~16: a few ulps of the largest term each.
    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5 * Math.Max(1, Math.Abs(expected[i])), $"{what}: [{i}] got {actual[i]:R}, float64 {expected[i]:R}");
    }

    private static float[] RandomVector(Random random, int length, double magnitude)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float)((random.NextDouble() * 2 - 1) * magnitude);
        return v;
    }

    private static ushort[] ToBf16(float[] values) => values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();

    private static float[] Widen(ushort[] bits) => bits.Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray();
}
