namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// One benchmark case's result, detached from BenchmarkDotNet's types so that the guard's decisions, the tables and
/// the JSON history are plain data (and unit-testable without running a benchmark).
/// </summary>
/// <param name="Benchmark">Stable key "Area.Class.Method" (namespace below Campfire.Benchmarks, class, method).</param>
/// <param name="Parameters">BenchmarkDotNet's parameter display, e.g. "Corpus=Prose"; empty when none.</param>
/// <param name="IsBaseline">Whether the method is the class's <c>[Benchmark(Baseline = true)]</c>.</param>
/// <param name="Categories">BenchmarkDotNet categories, used to pair a method with its baseline when a class has several.</param>
/// <param name="Succeeded">False when the case threw or produced no measurement.</param>
/// <param name="MeanNs">Mean time per operation in nanoseconds (NaN when not succeeded).</param>
/// <param name="ErrorNs">Half the 99.9% confidence interval, in nanoseconds (NaN when unknown).</param>
/// <param name="AllocatedBytesPerOperation">Managed bytes allocated per operation; null without MemoryDiagnoser.</param>
/// <param name="Workload">Tokens and UTF-8 bytes per operation (zero when the class is not an <see cref="ITokenWorkload"/>).</param>
/// <param name="ProbedAllocatedBytesPerOperation">
/// The guard's exact measurement on the benchmark thread (<see cref="AllocationProbe"/>); null when not probed.
/// </param>
public sealed record BenchMeasurement(
    string Benchmark,
    string Parameters,
    bool IsBaseline,
    IReadOnlyList<string> Categories,
    bool Succeeded,
    double MeanNs,
    double ErrorNs,
    long? AllocatedBytesPerOperation,
    WorkloadSize Workload,
    long? ProbedAllocatedBytesPerOperation = null)
{
    /// <summary>Benchmark plus parameters: identifies one case within a run.</summary>
    public string Id => Parameters.Length == 0 ? Benchmark : $"{Benchmark}({Parameters})";

    /// <summary>The class part of <see cref="Benchmark"/> ("Area.Class").</summary>
    public string Class => Benchmark[..Math.Max(0, Benchmark.LastIndexOf('.'))];

    /// <summary>The method part of <see cref="Benchmark"/>.</summary>
    public string Method => Benchmark[(Benchmark.LastIndexOf('.') + 1)..];

    public double NsPerToken => Succeeded && Workload.Tokens > 0 ? MeanNs / Workload.Tokens : double.NaN;

    public double TokensPerSecond => Succeeded && Workload.Tokens > 0 && MeanNs > 0 ? Workload.Tokens * 1e9 / MeanNs : double.NaN;

    /// <summary>Throughput in MB/s (10^6 bytes of UTF-8 text per second).</summary>
    public double MegabytesPerSecond =>
        Succeeded && Workload.Utf8Bytes > 0 && MeanNs > 0 ? Workload.Utf8Bytes * 1e9 / MeanNs / 1e6 : double.NaN;

    public double AllocatedBytesPerToken =>
        AllocatedBytesPerOperation is { } bytes && Workload.Tokens > 0 ? (double)bytes / Workload.Tokens : double.NaN;
}

/// <summary>Finds, within one run, the baseline a measurement is compared against.</summary>
public static class BaselinePairing
{
    /// <summary>
    /// The baseline of <paramref name="measurement"/>: the baseline method of the same class and parameters (the
    /// one sharing its categories when the class has several baselines); null when there is none or when the
    /// measurement is itself a baseline.
    /// </summary>
    public static BenchMeasurement? FindBaseline(BenchMeasurement measurement, IReadOnlyList<BenchMeasurement> run)
    {
        if (measurement.IsBaseline)
            return null;
        BenchMeasurement? only = null;
        var count = 0;
        foreach (var candidate in run)
        {
            if (!candidate.IsBaseline || candidate.Class != measurement.Class || candidate.Parameters != measurement.Parameters)
                continue;
            if (candidate.Categories.Count > 0 && candidate.Categories.SequenceEqual(measurement.Categories, StringComparer.Ordinal))
                return candidate;
            only = candidate;
            count++;
        }
        return count == 1 ? only : null;
    }

    /// <summary>Baseline time / measurement time (how many times faster than the baseline); NaN when not comparable.</summary>
    public static double Speedup(BenchMeasurement measurement, IReadOnlyList<BenchMeasurement> run)
    {
        var baseline = FindBaseline(measurement, run);
        if (baseline is null || !baseline.Succeeded || !measurement.Succeeded || measurement.MeanNs <= 0)
            return double.NaN;
        return baseline.MeanNs / measurement.MeanNs;
    }
}
