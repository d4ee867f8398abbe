using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>Turns BenchmarkDotNet summaries into <see cref="BenchMeasurement"/>s.</summary>
public static class SummaryReader
{
    public const string RootNamespace = "Campfire.Benchmarks.";

    /// <summary>"Area.Class.Method": the benchmark's namespace below Campfire.Benchmarks, class and method.</summary>
    public static string KeyOf(Type type, string method)
    {
        var name = type.FullName ?? type.Name;
        if (name.StartsWith(RootNamespace, StringComparison.Ordinal))
            name = name[RootNamespace.Length..];
        return name.Replace('+', '.') + "." + method;
    }

    /// <summary>"Name=Value, Name=Value" (BenchmarkDotNet's display without its brackets); empty when none.</summary>
    public static string ParametersOf(BenchmarkCase benchmarkCase) =>
        string.Join(", ", benchmarkCase.Parameters.Items.Select(p => p.Name + "=" + p.ToDisplayText()));

    public static List<BenchMeasurement> Read(IEnumerable<Summary> summaries)
    {
        var measurements = new List<BenchMeasurement>();
        foreach (var summary in summaries)
        {
            foreach (var benchmarkCase in summary.BenchmarksCases)
                measurements.Add(Read(summary, benchmarkCase));
        }
        return measurements;
    }

    public static BenchMeasurement Read(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        var statistics = report?.ResultStatistics;
        var succeeded = report is { Success: true } && statistics is not null;
        long? allocated = null;
        if (report is not null && benchmarkCase.Config.HasMemoryDiagnoser())
            allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        var descriptor = benchmarkCase.Descriptor;
        return new BenchMeasurement(
            KeyOf(descriptor.Type, descriptor.WorkloadMethod.Name),
            ParametersOf(benchmarkCase),
            descriptor.Baseline,
            descriptor.Categories,
            succeeded,
            succeeded ? statistics!.Mean : double.NaN,
            succeeded ? statistics!.ConfidenceInterval.Margin : double.NaN,
            allocated,
            WorkloadProbe.SizeOf(benchmarkCase));
    }
}
