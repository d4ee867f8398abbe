using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Tests;

/// <summary>Builds the plain measurements a BenchmarkDotNet run would produce, without running one.</summary>
static class Measurements
{
    public static BenchMeasurement Of(
        string benchmark, double meanNs, long? allocated = 0, bool baseline = false, string parameters = "",
        long tokens = 1000, long bytes = 0, bool succeeded = true, params string[] categories) =>
        new(benchmark, parameters, baseline, categories, succeeded, succeeded ? meanNs : double.NaN, 1, allocated, new WorkloadSize(tokens, bytes));
}
