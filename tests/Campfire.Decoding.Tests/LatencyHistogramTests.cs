using Campfire.Decoding;

namespace Campfire.Decoding.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_within_the_bucket_precision_of_the_exact_nearest_rank()
    {
        var random = new SplitMix64(3);
        var samples = new double[10_000];
        var histogram = new LatencyHistogram();
        for (int i = 0; i < samples.Length; i++)
        {
            // Log-uniform from 0.5 µs to 5 ms, as mask times spread.
            samples[i] = 0.5 * Math.Pow(10_000, random.NextDouble());
            histogram.Record(samples[i]);
        }
        Array.Sort(samples);
        foreach (double p in new[] { 50.0, 90, 99, 99.9 })
        {
            double exact = samples[(int)Math.Ceiling(p / 100 * samples.Length) - 1];
            double estimate = histogram.Percentile(p);
            Assert.InRange(estimate / exact, 1 / 1.023, 1.023);
        }
        Assert.Equal(samples.Length, histogram.Count);
        Assert.Equal(samples[^1], histogram.MaxMicroseconds);
        Assert.Equal(0, new LatencyHistogram().Percentile(50));
    }

    [Fact]
    public void Recording_allocates_nothing()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++) histogram.Record(i * 0.37);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(histogram.Percentile(99) > histogram.Percentile(50));
    }
}
