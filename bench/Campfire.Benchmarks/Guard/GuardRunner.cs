using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Guard;

/// <summary>
/// The CI guard (<c>--guard</c>): runs the <see cref="HotPathAttribute"/> benchmarks and their baselines in a short
/// in-process job, decides with <see cref="GuardEvaluator"/>, re-measures failures once, prints the figures, keeps
/// the run in bench/results/ and returns 0 (pass) or 1 (fail).
/// </summary>
public static class GuardRunner
{
    public const string Mode = "guard";

    public static int Run(BenchOptions options, Assembly assembly, string command)
    {
        var clock = Stopwatch.StartNew();
        var discovered = GuardRules.Discover(assembly, options.IncludeCalibration, options.Filters);
        if (discovered.Count == 0 && options.Filters.Count == 0 && !options.IncludeCalibration)
        {
            // Only before the product suites exist: still prove the guard's pipeline works, and say so.
            Console.WriteLine("guard: WARNING: no product benchmark carries [HotPath]; guarding the calibration suite only");
            discovered = GuardRules.Discover(assembly, includeCalibration: true, options.Filters);
        }
        if (discovered.Count == 0)
        {
            Console.Error.WriteLine("campfire bench: guard: no [HotPath] benchmark matched; nothing would be guarded");
            return 1;
        }
        var rules = discovered.Select(d => d.Rule).ToList();
        Console.WriteLine($"guard: {rules.Count} hot paths: {string.Join(", ", rules.Select(r => r.Benchmark))}");

        // BenchmarkDotNet's own output goes to a file: the console keeps the guard's summary.
        using var log = new BenchLog(RepositoryPaths.Log(options, Mode));
        Console.WriteLine($"guard: BenchmarkDotNet's log: {log.Path}");
        var artifacts = RepositoryPaths.Artifacts(options, Mode);
        var measurements = Measure(discovered, rules, artifacts, log);
        var first = GuardEvaluator.Evaluate(rules, measurements);
        GuardAttempt? second = null;
        if (!first.Passed)
        {
            var again = GuardEvaluator.RulesToRemeasure(rules, first);
            Console.WriteLine("guard: first pass failed:");
            foreach (var failure in first.Failures)
                Console.WriteLine($"  {failure.Case}: {failure.Detail}");
            Console.WriteLine($"guard: re-measuring {string.Join(", ", again.Select(r => r.Benchmark))} once");
            var remeasured = Measure(discovered.Where(d => again.Contains(d.Rule)).ToList(), again, artifacts, log);
            second = GuardEvaluator.Evaluate(again, remeasured);
            measurements = Merge(measurements, remeasured);
        }
        log.Dispose();
        var verdict = GuardEvaluator.Decide(first, second);
        var run = new BenchRun(DateTimeOffset.UtcNow, Mode, command, MachineInfo.Current(), measurements, verdict, clock.Elapsed.TotalSeconds);

        Console.WriteLine();
        Console.WriteLine($"Campfire benchmark guard: {run.Machine}");
        Console.Write(ResultTable.ToText(measurements));
        Console.WriteLine("(absolute times are printed, never gated: ratios come from the same run)");
        Console.Write(ResultTable.GuardToText(verdict));
        BenchOutput.Write(run, options, alwaysSave: true);
        Console.WriteLine($"guard: {clock.Elapsed.TotalSeconds:0} s");
        return verdict.Passed ? 0 : 1;
    }

    static List<BenchMeasurement> Measure(IReadOnlyList<(Type Type, MethodInfo Method, GuardRule Rule)> guarded, IReadOnlyList<GuardRule> rules,
        string artifacts, BenchLog log)
    {
        var config = CampfireBenchConfig.Create(CampfireBenchConfig.GuardJob, artifacts, log)
            .AddFilter(new SimpleFilter(c => IsNeeded(c, rules)));
        var types = guarded.Select(g => g.Type).Distinct().ToArray();
        var summaries = BenchmarkRunner.Run(types, config);
        var measurements = new List<BenchMeasurement>();
        foreach (var summary in summaries)
        {
            foreach (var benchmarkCase in summary.BenchmarksCases)
            {
                var measurement = SummaryReader.Read(summary, benchmarkCase);
                if (measurement.Succeeded && rules.Any(r => r.RequireZeroAllocation && r.Covers(measurement)))
                    measurement = measurement with { ProbedAllocatedBytesPerOperation = AllocationProbe.Measure(benchmarkCase, measurement.MeanNs) };
                measurements.Add(measurement);
            }
        }
        return measurements;
    }

    /// <summary>A guarded case, or the baseline a guarded case of the same class and parameters is compared with.</summary>
    static bool IsNeeded(BenchmarkCase benchmarkCase, IReadOnlyList<GuardRule> rules)
    {
        var key = SummaryReader.KeyOf(benchmarkCase.Descriptor.Type, benchmarkCase.Descriptor.WorkloadMethod.Name);
        var parameters = SummaryReader.ParametersOf(benchmarkCase);
        bool Applies(GuardRule rule) => rule.ParametersContaining is null || parameters.Contains(rule.ParametersContaining, StringComparison.Ordinal);
        if (rules.Any(r => r.Benchmark == key && Applies(r)))
            return true;
        if (!benchmarkCase.Descriptor.Baseline)
            return false;
        var cls = key[..key.LastIndexOf('.')];
        return rules.Any(r => r.MinSpeedup > 0 && r.Benchmark.StartsWith(cls + ".", StringComparison.Ordinal)
                              && r.Benchmark.LastIndexOf('.') == cls.Length && Applies(r));
    }

    /// <summary>The first pass with every re-measured case replaced by its second measurement.</summary>
    public static List<BenchMeasurement> Merge(IReadOnlyList<BenchMeasurement> first, IReadOnlyList<BenchMeasurement> second)
    {
        var merged = first.Select(m => second.FirstOrDefault(s => s.Id == m.Id) ?? m).ToList();
        merged.AddRange(second.Where(s => first.All(m => m.Id != s.Id)));
        return merged;
    }
}
