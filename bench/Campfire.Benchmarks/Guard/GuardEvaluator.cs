using System.Globalization;
using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Guard;

/// <summary>What the guard demands of one hot-path benchmark method (from its <see cref="HotPathAttribute"/>).</summary>
/// <param name="Benchmark">"Area.Class.Method", as in <see cref="BenchMeasurement.Benchmark"/>.</param>
/// <param name="RequireZeroAllocation">Any allocated byte per operation fails.</param>
/// <param name="MinSpeedup">Lowest acceptable baseline/hot-path time ratio; 0 = no ratio gate.</param>
/// <param name="ParametersContaining">Only parameter combinations containing this text are checked (null: all).</param>
/// <param name="Goal">The documented goal the floor derives from.</param>
/// <param name="MaxAllocatedBytes">Most bytes per operation allowed (BenchmarkDotNet's figure); 0 = no ceiling.</param>
public sealed record GuardRule(
    string Benchmark,
    bool RequireZeroAllocation,
    double MinSpeedup,
    string? ParametersContaining = null,
    string? Goal = null,
    long MaxAllocatedBytes = 0)
{
    public bool Covers(BenchMeasurement measurement) =>
        measurement.Benchmark == Benchmark
        && (ParametersContaining is null || measurement.Parameters.Contains(ParametersContaining, StringComparison.Ordinal));
}

public enum GuardCheckKind
{
    /// <summary>The guarded case produced a measurement.</summary>
    Ran,
    /// <summary>0 bytes allocated per operation.</summary>
    ZeroAllocation,
    /// <summary>Speedup over the in-run baseline at or above the floor.</summary>
    SpeedupFloor,
    /// <summary>Bytes allocated per operation at or below a ceiling (hot paths that may allocate a bounded amount).</summary>
    AllocationCeiling,
}

/// <summary>One pass/fail decision about one benchmark case.</summary>
/// <param name="Case">The measurement id (benchmark plus parameters), or the rule's benchmark when nothing ran.</param>
/// <param name="Benchmark">The rule's benchmark key.</param>
/// <param name="Observed">Bytes per operation or speedup as measured (NaN when unknown).</param>
/// <param name="Limit">0 bytes or the speedup floor.</param>
/// <param name="Remeasured">True when this outcome comes from the second measurement.</param>
public sealed record GuardCheck(
    string Case,
    string Benchmark,
    GuardCheckKind Kind,
    bool Passed,
    double Observed,
    double Limit,
    string Detail,
    bool Remeasured = false);

/// <summary>The checks of one measurement pass.</summary>
public sealed record GuardAttempt(IReadOnlyList<GuardCheck> Checks)
{
    public bool Passed => Checks.All(c => c.Passed);

    public IEnumerable<GuardCheck> Failures => Checks.Where(c => !c.Passed);
}

/// <summary>The guard's final answer: failed checks of the first pass are replaced by their re-measured outcome.</summary>
public sealed record GuardVerdict(bool Passed, IReadOnlyList<GuardCheck> Checks, GuardAttempt First, GuardAttempt? Remeasure);

/// <summary>
/// The guard's decision logic, pure: measurements in, pass/fail out. Allocation is deterministic, so any byte per
/// operation fails; speedups are noisy, so a failed pass is measured once more and only a second failure counts.
/// Absolute times never decide anything.
/// </summary>
public static class GuardEvaluator
{
    public static GuardAttempt Evaluate(IReadOnlyList<GuardRule> rules, IReadOnlyList<BenchMeasurement> run)
    {
        var checks = new List<GuardCheck>();
        foreach (var rule in rules)
        {
            var covered = run.Where(rule.Covers).ToList();
            if (covered.Count == 0)
            {
                checks.Add(new GuardCheck(rule.Benchmark, rule.Benchmark, GuardCheckKind.Ran, false, double.NaN, double.NaN,
                    "no result: the guarded benchmark did not run (renamed, filtered out or failed to start)"));
                continue;
            }
            foreach (var measurement in covered)
                AddChecks(rule, measurement, run, checks);
        }
        return new GuardAttempt(checks);
    }

    static void AddChecks(GuardRule rule, BenchMeasurement measurement, IReadOnlyList<BenchMeasurement> run, List<GuardCheck> checks)
    {
        if (!measurement.Succeeded || double.IsNaN(measurement.MeanNs))
        {
            checks.Add(new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.Ran, false, double.NaN, double.NaN,
                "the benchmark failed (exception or no measurement)"));
            return;
        }
        checks.Add(new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.Ran, true, measurement.MeanNs, double.NaN,
            string.Create(CultureInfo.InvariantCulture, $"ran: {measurement.MeanNs:0.#} ns/op (printed, never gated)")));
        if (rule.RequireZeroAllocation)
            checks.Add(AllocationCheck(rule, measurement));
        if (rule.MinSpeedup > 0)
            checks.Add(SpeedupCheck(rule, measurement, run));
        if (rule.MaxAllocatedBytes > 0)
            checks.Add(AllocationCeilingCheck(rule, measurement));
    }

    static GuardCheck AllocationCeilingCheck(GuardRule rule, BenchMeasurement measurement) =>
        measurement.AllocatedBytesPerOperation switch
        {
            null => new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.AllocationCeiling, false, double.NaN, rule.MaxAllocatedBytes,
                "allocation unknown: no MemoryDiagnoser figure"),
            var bytes => new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.AllocationCeiling, bytes <= rule.MaxAllocatedBytes,
                bytes.Value, rule.MaxAllocatedBytes, string.Create(CultureInfo.InvariantCulture,
                    $"allocates {bytes} B/op (BenchmarkDotNet); {(bytes <= rule.MaxAllocatedBytes ? "ceiling" : "over the ceiling")} {rule.MaxAllocatedBytes} B")),
        };

    /// <summary>
    /// Gated on the exact per-thread probe when the run has one, else on BenchmarkDotNet's figure; both are
    /// quoted. Any byte per operation fails.
    /// </summary>
    static GuardCheck AllocationCheck(GuardRule rule, BenchMeasurement measurement)
    {
        var benchmarkDotNet = measurement.AllocatedBytesPerOperation is { } b ? $"BenchmarkDotNet: {b} B/op" : "BenchmarkDotNet: no figure";
        if (measurement.ProbedAllocatedBytesPerOperation is { } probed)
        {
            return new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.ZeroAllocation, probed == 0, probed, 0, probed == 0
                ? $"0 B/op in the probe loop ({benchmarkDotNet})"
                : string.Create(CultureInfo.InvariantCulture, $"allocates {probed} B/op in the probe loop ({benchmarkDotNet}); a hot path must allocate 0 B"));
        }
        return measurement.AllocatedBytesPerOperation switch
        {
            null => new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.ZeroAllocation, false, double.NaN, 0,
                "allocation unknown: no MemoryDiagnoser figure and no probe"),
            0 => new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.ZeroAllocation, true, 0, 0, "0 B/op (BenchmarkDotNet)"),
            var bytes => new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.ZeroAllocation, false, bytes.Value, 0,
                string.Create(CultureInfo.InvariantCulture, $"allocates {bytes} B/op (BenchmarkDotNet); a hot path must allocate 0 B")),
        };
    }

    static GuardCheck SpeedupCheck(GuardRule rule, BenchMeasurement measurement, IReadOnlyList<BenchMeasurement> run)
    {
        var baseline = BaselinePairing.FindBaseline(measurement, run);
        if (baseline is null)
            return new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.SpeedupFloor, false, double.NaN, rule.MinSpeedup,
                "no baseline of the same class and parameters in this run");
        if (!baseline.Succeeded || double.IsNaN(baseline.MeanNs))
            return new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.SpeedupFloor, false, double.NaN, rule.MinSpeedup,
                $"baseline {baseline.Id} failed, nothing to compare with");
        var speedup = baseline.MeanNs / measurement.MeanNs;
        var passed = speedup >= rule.MinSpeedup;
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{speedup:0.00}x {baseline.Method} ({(passed ? "floor" : "below the floor")} {rule.MinSpeedup:0.##}x{(rule.Goal is null ? "" : $", goal {rule.Goal}")})");
        return new GuardCheck(measurement.Id, rule.Benchmark, GuardCheckKind.SpeedupFloor, passed, speedup, rule.MinSpeedup, detail);
    }

    /// <summary>The rules whose checks failed: the guard measures exactly these (and their baselines) again.</summary>
    public static IReadOnlyList<GuardRule> RulesToRemeasure(IReadOnlyList<GuardRule> rules, GuardAttempt first)
    {
        var failing = first.Failures.Select(f => f.Benchmark).ToHashSet(StringComparer.Ordinal);
        return rules.Where(r => failing.Contains(r.Benchmark)).ToList();
    }

    /// <summary>
    /// Final decision. A check that passed the first time stands; a failed one is replaced by the same check from
    /// the re-measurement, and fails for good when the re-measurement failed it again or lacks it.
    /// </summary>
    public static GuardVerdict Decide(GuardAttempt first, GuardAttempt? remeasure)
    {
        var final = new List<GuardCheck>(first.Checks.Count);
        foreach (var check in first.Checks)
        {
            if (check.Passed)
            {
                final.Add(check);
                continue;
            }
            var again = remeasure?.Checks.FirstOrDefault(c => c.Case == check.Case && c.Kind == check.Kind);
            final.Add(again is null
                ? check with { Detail = check.Detail + (remeasure is null ? "" : "; missing from the re-measurement") }
                : again with { Remeasured = true, Detail = again.Detail + (again.Passed ? " (passed on re-measure)" : " (failed twice)") });
        }
        // A case that only failed to appear in the first pass (Ran) can bring new checks on re-measurement.
        if (remeasure is not null)
        {
            foreach (var extra in remeasure.Checks.Where(c => !first.Checks.Any(f => f.Case == c.Case && f.Kind == c.Kind)))
                final.Add(extra with { Remeasured = true });
        }
        return new GuardVerdict(final.All(c => c.Passed), final, first, remeasure);
    }
}
