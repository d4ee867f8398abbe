using Campfire.Decoding;

namespace Campfire.Decoding.Tests;

public sealed class TokenSamplerTests
{
    private static float[] Logits(int vocabulary, ulong seed)
    {
        var random = new SplitMix64(seed);
        var logits = new float[vocabulary];
        for (int i = 0; i < logits.Length; i++) logits[i] = random.NextSigned() * 4;
        return logits;
    }

    [Fact]
    public void Greedy_picks_the_first_maximum()
    {
        var sampler = new TokenSampler(8, 1);
        Assert.Equal(2, sampler.Sample([0, 1, 5, 5, -1, float.NaN, 0, 0], 0, 1));
        Assert.Equal(1000, TokenSampler.ArgMax(Enumerable.Range(0, 2001).Select(i => -Math.Abs(i - 1000f)).ToArray()));
    }

    [Fact]
    public void The_same_seed_reproduces_the_same_draws_and_another_seed_differs()
    {
        var logits = Logits(256, 5);
        int[] Run(ulong seed)
        {
            var s = new TokenSampler(256, seed);
            return Enumerable.Range(0, 50).Select(_ => s.Sample(logits, 1f, 1f)).ToArray();
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }

    [Fact]
    public void Temperature_sampling_follows_the_softmax_distribution()
    {
        float[] logits = [0, MathF.Log(3), float.NegativeInfinity, 0];
        var sampler = new TokenSampler(4, 9);
        var counts = new int[4];
        for (int i = 0; i < 20000; i++) counts[sampler.Sample(logits, 1f, 1f)]++;
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[1] / 20000.0, 0.58, 0.62); // 3/5
        Assert.InRange(counts[0] / 20000.0, 0.18, 0.22);
    }

    [Fact]
    public void Top_p_keeps_only_the_smallest_set_reaching_p()
    {
        // probabilities 0.5, 0.3, 0.15, 0.05
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];
        var sampler = new TokenSampler(4, 11);
        var seen = new HashSet<int>();
        for (int i = 0; i < 5000; i++) seen.Add(sampler.Sample(logits, 1f, 0.75f));
        Assert.Equal([0, 1], seen.Order());
        seen.Clear();
        for (int i = 0; i < 5000; i++) seen.Add(sampler.Sample(logits, 1f, 0.5f));
        Assert.Equal([0], seen);
    }

    [Fact]
    public void Top_p_over_a_full_size_vocabulary_only_draws_from_the_nucleus()
    {
        var logits = Logits(201088, 2);
        logits[7] = 30; // nearly all the mass
        var sampler = new TokenSampler(logits.Length, 3);
        for (int i = 0; i < 20; i++) Assert.Equal(7, sampler.Sample(logits, 1f, 0.9f));
    }

    [Fact]
    public void Invalid_settings_and_nan_logits_are_clear_errors()
    {
        var sampler = new TokenSampler(3, 1);
        Assert.Contains("temperature", Assert.Throws<SamplingException>(() => sampler.Sample([1, 2, 3], -1, 1)).Message);
        Assert.Contains("top-p", Assert.Throws<SamplingException>(() => sampler.Sample([1, 2, 3], 1, 0)).Message);
        Assert.Contains("NaN", Assert.Throws<SamplingException>(() => sampler.Sample([float.NaN, float.NaN, float.NaN], 0, 1)).Message);
        Assert.Contains("NaN", Assert.Throws<SamplingException>(() => sampler.Sample([1, float.NaN, 3], 1, 1)).Message);
    }

    [Fact]
    public void Sampling_allocates_nothing_once_warm()
    {
        var logits = Logits(4096, 8);
        var sampler = new TokenSampler(logits.Length, 1);
        for (int i = 0; i < 10; i++)
        {
            sampler.Sample(logits, 0, 1);
            sampler.Sample(logits, 0.8f, 1);
            sampler.Sample(logits, 0.8f, 0.9f);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            sampler.Sample(logits, 0, 1);
            sampler.Sample(logits, 0.8f, 1);
            sampler.Sample(logits, 0.8f, 0.9f);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
