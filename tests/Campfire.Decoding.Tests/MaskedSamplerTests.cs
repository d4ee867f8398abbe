using Campfire.Decoding;
using Campfire.Harmony.Constraints;

namespace Campfire.Decoding.Tests;

public sealed class MaskedSamplerTests
{
    private static float[] Logits(int vocabulary, ulong seed)
    {
        var random = new SplitMix64(seed);
        var logits = new float[vocabulary];
        for (int i = 0; i < logits.Length; i++) logits[i] = random.NextSigned() * 4;
        return logits;
    }

    private static ulong[] Mask(int vocabulary, Func<int, bool> allowed)
    {
        var mask = new ulong[TokenMask.WordCount(vocabulary)];
        for (int id = 0; id < vocabulary; id++)
            if (allowed(id)) mask[id >> 6] |= 1UL << (id & 63);
        return mask;
    }

    [Fact]
    public void A_masked_id_is_never_drawn_however_large_its_logit()
    {
        var logits = Logits(300, 1);
        logits[42] = 1000; // all the mass, but masked
        var mask = Mask(300, id => id != 42 && id % 3 == 0);
        var sampler = new TokenSampler(300, 5);
        for (int i = 0; i < 2000; i++)
        {
            int id = sampler.Sample(logits, 1f, 1f, mask);
            Assert.True(id % 3 == 0 && id != 42, $"drew masked id {id}");
            id = sampler.Sample(logits, 0.7f, 0.9f, mask);
            Assert.True(id % 3 == 0 && id != 42, $"drew masked id {id} under top-p");
        }
    }

    [Fact]
    public void Temperature_zero_is_the_first_maximum_among_allowed_ids()
    {
        float[] logits = [9, 1, 5, 5, 9, 3, float.NaN, 5];
        var sampler = new TokenSampler(8, 1);
        Assert.Equal(2, sampler.Sample(logits, 0, 1, Mask(8, id => id is 1 or 2 or 3 or 6)));
        Assert.Equal(7, sampler.Sample(logits, 0, 1, Mask(8, id => id is 5 or 6 or 7)));
        // Dense words take the vectorised path: compare against the plain argmax of logits with masked ids at −∞.
        var big = Logits(201088, 3);
        var mask = Mask(big.Length, id => id % 1000 != 7 && (id < 100_000 || id % 2 == 0));
        var hidden = (float[])big.Clone();
        for (int id = 0; id < hidden.Length; id++)
            if (!TokenMask.IsAllowed(mask, id)) hidden[id] = float.NegativeInfinity;
        big[7] = 100; // masked: must not win
        Assert.Equal(TokenSampler.ArgMax(hidden), TokenSampler.MaskedArgMax(big, mask));
    }

    [Fact]
    public void Masked_draws_follow_the_softmax_renormalised_over_the_allowed_ids()
    {
        float[] logits = [0, MathF.Log(3), 50, 0];
        var sampler = new TokenSampler(4, 9);
        var counts = new int[4];
        var mask = Mask(4, id => id != 2);
        for (int i = 0; i < 20000; i++) counts[sampler.Sample(logits, 1f, 1f, mask)]++;
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[1] / 20000.0, 0.58, 0.62); // 3/5
        Assert.InRange(counts[0] / 20000.0, 0.18, 0.22);
    }

    [Fact]
    public void Masked_sampling_draws_what_plain_sampling_draws_with_masked_logits_at_minus_infinity()
    {
        var logits = Logits(5000, 4);
        var mask = Mask(logits.Length, id => id % 7 != 0 && (id < 1000 || id > 1200) && id % 64 != 5);
        var hidden = (float[])logits.Clone();
        for (int id = 0; id < hidden.Length; id++)
            if (!TokenMask.IsAllowed(mask, id)) hidden[id] = float.NegativeInfinity;
        foreach (var (temperature, topP) in new[] { (1f, 1f), (0.8f, 0.9f), (0f, 1f) })
        {
            var masked = new TokenSampler(logits.Length, 77);
            var plain = new TokenSampler(logits.Length, 77);
            for (int i = 0; i < 300; i++)
                Assert.Equal(plain.Sample(hidden, temperature, topP), masked.Sample(logits, temperature, topP, mask));
        }
    }

    [Fact]
    public void An_empty_mask_is_a_clear_sampling_error()
    {
        var sampler = new TokenSampler(100, 1);
        var logits = Logits(100, 2);
        var empty = new ulong[2];
        foreach (float temperature in new[] { 0f, 1f })
            Assert.Contains("allows no token", Assert.Throws<SamplingException>(() => sampler.Sample(logits, temperature, 1, empty)).Message);
        // Bits past the vocabulary (ids 100..127) do not count as allowed ids.
        empty[1] = 1UL << 40;
        Assert.Contains("allows no token", Assert.Throws<SamplingException>(() => sampler.Sample(logits, 1, 1, empty)).Message);
        Assert.Throws<ArgumentException>(() => sampler.Sample(logits, 1, 1, new ulong[1]));
    }

    [Fact]
    public void Allowed_logits_that_are_all_nan_are_a_clear_error()
    {
        var sampler = new TokenSampler(4, 1);
        float[] logits = [1, float.NaN, float.NaN, 2];
        var mask = Mask(4, id => id is 1 or 2);
        Assert.Contains("NaN", Assert.Throws<SamplingException>(() => sampler.Sample(logits, 0, 1, mask)).Message);
        Assert.Contains("NaN", Assert.Throws<SamplingException>(() => sampler.Sample(logits, 1, 1, mask)).Message);
    }

    [Fact]
    public void Masked_sampling_over_the_full_vocabulary_allocates_nothing_once_warm()
    {
        var logits = Logits(201088, 8);
        // A content-position mask (nearly everything) and a JSON-position mask (a few scattered ids).
        var dense = Mask(logits.Length, id => id < 199998 && id % 97 != 0);
        var sparse = Mask(logits.Length, id => id % 4099 == 1);
        var sampler = new TokenSampler(logits.Length, 1);
        ulong[][] masks = [dense, sparse];
        void Round()
        {
            foreach (var mask in masks)
            {
                sampler.Sample(logits, 0, 1, mask);
                sampler.Sample(logits, 1f, 1, mask);
                sampler.Sample(logits, 0.8f, 0.9f, mask);
            }
        }
        for (int i = 0; i < 5; i++) Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
