using System.Text;
using Campfire.Benchmarks.Guard;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>The readable tables: plain text for the console, Markdown for results files and docs/performance.md.</summary>
public static class ResultTable
{
    static readonly string[] Headers = ["Benchmark", "Params", "Mean", "ns/token", "tokens/s", "MB/s", "Allocated", "B/token", "vs baseline"];

    /// <summary>
    /// Rows grouped by class, then by parameters, baseline first, each group in first-appearance order
    /// (BenchmarkDotNet's joined summary interleaves classes).
    /// </summary>
    public static IReadOnlyList<BenchMeasurement> Ordered(IReadOnlyList<BenchMeasurement> run)
    {
        var classes = run.Select(m => m.Class).Distinct().ToList();
        var parameters = run.Select(m => m.Parameters).Distinct().ToList();
        return run.Select((m, i) => (m, i))
            .OrderBy(x => classes.IndexOf(x.m.Class))
            .ThenBy(x => parameters.IndexOf(x.m.Parameters))
            .ThenBy(x => x.m.IsBaseline ? 0 : 1)
            .ThenBy(x => x.i)
            .Select(x => x.m)
            .ToList();
    }

    public static IReadOnlyList<string[]> Rows(IReadOnlyList<BenchMeasurement> run) =>
        Ordered(run).Select(m => new[]
        {
            m.Benchmark,
            m.Parameters.Length == 0 ? "-" : m.Parameters,
            m.Succeeded ? Format.Time(m.MeanNs) : "failed",
            Format.Number(m.NsPerToken, "0.00"),
            Format.Rate(m.TokensPerSecond),
            Format.Number(m.MegabytesPerSecond, "0.0"),
            Format.Bytes(m.AllocatedBytesPerOperation),
            Format.Number(m.AllocatedBytesPerToken, "0.###"),
            m.IsBaseline ? "baseline" : Format.Speedup(BaselinePairing.Speedup(m, run)),
        }).ToList();

    public static string ToText(IReadOnlyList<BenchMeasurement> run)
    {
        var rows = Rows(run);
        var widths = Headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells)
        {
            for (var i = 0; i < cells.Length; i++)
            {
                // Text columns left-aligned, figures right-aligned.
                text.Append(i < 2 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i]));
                text.Append(i == cells.Length - 1 ? "\n" : "  ");
            }
        }
        Line(Headers);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var row in rows)
            Line(row);
        return text.ToString();
    }

    public static string ToMarkdown(IReadOnlyList<BenchMeasurement> run)
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", Headers).Append(" |\n");
        text.Append('|').AppendJoin("", Headers.Select((_, i) => i < 2 ? "---|" : "---:|")).Append('\n');
        foreach (var row in Rows(run))
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        return text.ToString();
    }

    public static string GuardToText(GuardVerdict verdict)
    {
        var text = new StringBuilder();
        foreach (var check in verdict.Checks.Where(c => c.Kind != GuardCheckKind.Ran || !c.Passed))
            text.Append(check.Passed ? "  pass  " : "  FAIL  ").Append(check.Case).Append(": ").Append(check.Detail).Append('\n');
        text.Append(verdict.Passed ? "guard: passed" : "guard: FAILED")
            .Append(verdict.Remeasure is null ? "" : " (after re-measuring the failures once)").Append('\n');
        return text.ToString();
    }

    public static string GuardToMarkdown(GuardVerdict verdict)
    {
        var text = new StringBuilder();
        text.Append("| Case | Check | Result | Detail |\n|---|---|---|---|\n");
        foreach (var check in verdict.Checks.Where(c => c.Kind != GuardCheckKind.Ran || !c.Passed))
        {
            text.Append("| ").Append(check.Case).Append(" | ").Append(check.Kind switch
            {
                GuardCheckKind.ZeroAllocation => "0 B/op",
                GuardCheckKind.SpeedupFloor => "speedup floor",
                GuardCheckKind.AllocationCeiling => "B/op ceiling",
                _ => "ran",
            }).Append(" | ").Append(check.Passed ? "pass" : "**FAIL**").Append(" | ").Append(check.Detail).Append(" |\n");
        }
        return text.ToString();
    }

    /// <summary>A complete Markdown report of one run: header lines, the guard's checks (if any), the figures.</summary>
    public static string Report(BenchRun run)
    {
        var text = new StringBuilder();
        text.Append("- Date: ").Append(run.Date.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        text.Append("- Machine: ").Append(run.Machine).Append('\n');
        text.Append("- Command: `").Append(run.Command).Append("`\n");
        text.Append("- Mode: ").Append(run.Mode).Append(", ").Append(Format.Number(run.DurationSeconds, "0")).Append(" s wall time\n");
        if (run.Guard is { } verdict)
        {
            text.Append("- Guard: ").Append(verdict.Passed ? "passed" : "**FAILED**")
                .Append(verdict.Remeasure is null ? "" : " (failures re-measured once)").Append("\n\n");
            text.Append(GuardToMarkdown(verdict));
        }
        text.Append('\n').Append(ToMarkdown(run.Measurements));
        text.Append("\nTimes come from a short job on a shared machine: compare ratios within one run, not absolute times across runs.\n");
        return text.ToString();
    }
}
