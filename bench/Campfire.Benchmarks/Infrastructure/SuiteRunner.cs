using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using Campfire.Benchmarks.Guard;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// Runs the suites (all, or those matching --filter) under <see cref="CampfireBenchConfig"/>: BenchmarkDotNet's
/// default job, or with --quick its short job in this process. Prints BenchmarkDotNet's summary and then the
/// per-token table.
/// </summary>
public static class SuiteRunner
{
    public static int Run(BenchOptions options, Assembly assembly, string command)
    {
        var clock = Stopwatch.StartNew();
        var mode = options.Quick ? "quick" : "full";
        // --quick shows only the table (BenchmarkDotNet's log goes to a file); the full run keeps BenchmarkDotNet's console output.
        using var log = options.Quick || options.LogPath is not null ? new BenchLog(RepositoryPaths.Log(options, mode)) : null;
        if (log is not null)
            Console.WriteLine($"campfire bench ({mode}): BenchmarkDotNet's log: {log.Path}");
        var config = CampfireBenchConfig.Create(options.Quick ? CampfireBenchConfig.QuickJob : null, RepositoryPaths.Artifacts(options, mode), log);
        var calibrationWanted = options.IncludeCalibration || options.Filters.Any(f => f.Contains("Calibration", StringComparison.OrdinalIgnoreCase));
        if (!calibrationWanted)
            config.AddFilter(new SimpleFilter(c => c.Descriptor.Type.Namespace != GuardRules.CalibrationNamespace));

        var arguments = new List<string>(options.BenchmarkDotNetArguments) { "--filter" };
        arguments.AddRange(options.Filters.Count > 0 ? options.Filters : ["*"]);
        var summaries = BenchmarkSwitcher.FromAssembly(assembly).Run([.. arguments], config).ToList();
        log?.Dispose();
        var measurements = SummaryReader.Read(summaries);
        if (measurements.Count == 0)
        {
            if (options.BenchmarkDotNetArguments.Count > 0)
                return 0;   // e.g. --list: BenchmarkDotNet answered and ran nothing
            Console.Error.WriteLine($"campfire bench: no benchmark matched {string.Join(' ', options.Filters.DefaultIfEmpty("*"))}");
            return 1;
        }

        var run = new BenchRun(DateTimeOffset.UtcNow, mode, command, MachineInfo.Current(), measurements, null, clock.Elapsed.TotalSeconds);
        Console.WriteLine();
        Console.WriteLine($"Campfire benchmarks ({mode}): {run.Machine}");
        Console.Write(ResultTable.ToText(measurements));
        BenchOutput.Write(run, options, alwaysSave: false);
        var failed = measurements.Where(m => !m.Succeeded).ToList();
        foreach (var failure in failed)
            Console.Error.WriteLine($"campfire bench: {failure.Id} failed to run");
        return failed.Count == 0 ? 0 : 1;
    }
}
