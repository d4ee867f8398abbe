namespace Campfire.Decoding;

/// <summary>
/// Percentiles of many short durations without storing them: log-scale buckets, 16 per power of two, from 1/16 µs up
/// to about 67 s, so a recorded value is known to within ±2.2% (its bucket's geometric middle is reported) and recording
/// is a few arithmetic operations on a fixed array (no allocation per sample, whatever the run's length).
/// </summary>
public sealed class LatencyHistogram
{
    private const int BucketsPerOctave = 16;
    private const double SmallestMicroseconds = 1.0 / 16;
    private const int Octaves = 30;
    private readonly long[] _counts = new long[BucketsPerOctave * Octaves + 1];

    /// <summary>Samples recorded.</summary>
    public long Count { get; private set; }

    /// <summary>Sum of the recorded samples, in microseconds.</summary>
    public double TotalMicroseconds { get; private set; }

    /// <summary>Largest sample recorded, in microseconds.</summary>
    public double MaxMicroseconds { get; private set; }

    /// <summary>Adds one sample.</summary>
    public void Record(double microseconds)
    {
        if (!(microseconds >= 0)) microseconds = 0;
        Count++;
        TotalMicroseconds += microseconds;
        if (microseconds > MaxMicroseconds) MaxMicroseconds = microseconds;
        _counts[BucketOf(microseconds)]++;
    }

    /// <summary>The <paramref name="percent"/>-th percentile in microseconds (nearest rank, as the bucket's geometric
    /// middle, never above the largest sample); 0 when nothing was recorded.</summary>
    public double Percentile(double percent)
    {
        if (Count == 0) return 0;
        long rank = Math.Clamp((long)Math.Ceiling(percent / 100 * Count), 1, Count);
        long seen = 0;
        for (int b = 0; b < _counts.Length; b++)
        {
            seen += _counts[b];
            if (seen >= rank) return Math.Min(Middle(b), MaxMicroseconds);
        }
        return MaxMicroseconds;
    }

    /// <summary>Forgets every sample.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
        TotalMicroseconds = 0;
        MaxMicroseconds = 0;
    }

    private static int BucketOf(double microseconds)
    {
        // Bucket 0 holds everything below the smallest bound; bucket b ≥ 1 holds [lower(b), lower(b + 1)).
        if (microseconds < SmallestMicroseconds) return 0;
        int b = 1 + (int)(Math.Log2(microseconds / SmallestMicroseconds) * BucketsPerOctave);
        return Math.Min(b, BucketsPerOctave * Octaves);
    }

    private static double Lower(int bucket) => SmallestMicroseconds * Math.Pow(2, (bucket - 1) / (double)BucketsPerOctave);

    private static double Middle(int bucket) =>
        bucket == 0 ? SmallestMicroseconds / 2 : Math.Sqrt(Lower(bucket) * Lower(bucket + 1));
}
