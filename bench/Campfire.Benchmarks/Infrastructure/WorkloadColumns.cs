using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// The per-token columns every suite reports (ns/token, tokens/s, MB/s, B/token) plus an explicit speedup over the
/// baseline, added to BenchmarkDotNet's summary table by <see cref="CampfireBenchConfig"/>.
/// </summary>
public static class WorkloadColumns
{
    public static readonly IColumn NsPerToken = new WorkloadColumn("ns/token", "Mean time per token (Mean / tokens per operation)",
        m => Format.Number(m.NsPerToken, "0.00"));

    public static readonly IColumn TokensPerSecond = new WorkloadColumn("tokens/s", "Tokens processed per second",
        m => Format.Rate(m.TokensPerSecond));

    public static readonly IColumn MegabytesPerSecond = new WorkloadColumn("MB/s", "UTF-8 text throughput (10^6 bytes per second)",
        m => Format.Number(m.MegabytesPerSecond, "0.0"), needsText: true);

    public static readonly IColumn AllocatedPerToken = new WorkloadColumn("B/token", "Managed bytes allocated per token",
        m => Format.Number(m.AllocatedBytesPerToken, "0.###"));

    public static readonly IColumn Speedup = new SpeedupColumn();

    public static IColumn[] All => [NsPerToken, TokensPerSecond, MegabytesPerSecond, AllocatedPerToken, Speedup];

    sealed class WorkloadColumn(string name, string legend, Func<BenchMeasurement, string> value, bool needsText = false) : IColumn
    {
        public string Id => "Campfire." + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => value(SummaryReader.Read(summary, benchmarkCase));

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c =>
            WorkloadProbe.SizeOf(c) is { Tokens: > 0 } size && (!needsText || size.Utf8Bytes > 0));
    }

    sealed class SpeedupColumn : IColumn
    {
        public string Id => "Campfire.Speedup";
        public string ColumnName => "Speedup";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Baseline;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Baseline mean / this mean: how many times faster than the baseline in the same run";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var run = summary.BenchmarksCases.Select(c => SummaryReader.Read(summary, c)).ToList();
            var self = run.First(m => m.Id == SummaryReader.Read(summary, benchmarkCase).Id);
            return self.IsBaseline ? "baseline" : Format.Speedup(BaselinePairing.Speedup(self, run));
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Descriptor.Baseline);
    }
}

/// <summary>Number formatting shared by the columns, the text table and the Markdown files (invariant culture).</summary>
public static class Format
{
    public static string Number(double value, string format) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A rate with an SI suffix: 1.23 G, 45.6 M, 789 k.</summary>
    public static string Rate(double perSecond) => perSecond switch
    {
        double.NaN => "-",
        >= 1e9 => Number(perSecond / 1e9, "0.00") + " G",
        >= 1e6 => Number(perSecond / 1e6, "0.00") + " M",
        >= 1e3 => Number(perSecond / 1e3, "0.00") + " k",
        _ => Number(perSecond, "0.0"),
    };

    public static string Speedup(double ratio) => double.IsNaN(ratio) ? "-" : Number(ratio, ratio >= 100 ? "0" : "0.00") + "x";

    /// <summary>A time in the unit that keeps 3-4 significant digits.</summary>
    public static string Time(double ns) => ns switch
    {
        double.NaN => "-",
        >= 1e9 => Number(ns / 1e9, "0.000") + " s",
        >= 1e6 => Number(ns / 1e6, "0.000") + " ms",
        >= 1e3 => Number(ns / 1e3, "0.000") + " us",
        _ => Number(ns, "0.00") + " ns",
    };

    public static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        >= 10 * 1024 * 1024 => Number(bytes.Value / 1024.0 / 1024.0, "0.0") + " MB",
        >= 10 * 1024 => Number(bytes.Value / 1024.0, "0.0") + " KB",
        _ => bytes.Value.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
