using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// The one BenchmarkDotNet configuration every suite runs under (suites declare no jobs or columns of their own):
/// MemoryDiagnoser, the per-token columns, and the job chosen by the mode.
/// </summary>
public static class CampfireBenchConfig
{
    /// <summary>
    /// A look, not a measurement to quote: in this process (no child build), 1 warm-up and 3 measured iterations of
    /// 25 ms each, no overhead evaluation. The whole suite runs in about two minutes on two cores.
    /// </summary>
    public static Job QuickJob { get; } = Job.Default
        .WithToolchain(InProcessEmitToolchain.DontLogOutput)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(3)
        .WithIterationTime(TimeInterval.FromMilliseconds(25))
        .WithEvaluateOverhead(false)
        .WithId("Quick");

    /// <summary>
    /// The CI guard's job: in-process, 100 ms iterations (a ratio floor at half the goal needs no more, and the guard
    /// must fit in CI's time), 3 warm-ups and 5 measured iterations.
    /// </summary>
    public static Job GuardJob { get; } = Job.Default
        .WithToolchain(InProcessEmitToolchain.DontLogOutput)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
        .WithId("Guard");

    /// <summary>
    /// The configuration for <paramref name="job"/> (null: BenchmarkDotNet's default job). With <paramref name="log"/>,
    /// BenchmarkDotNet's own output goes there instead of the console, which then shows only our tables.
    /// </summary>
    public static ManualConfig Create(Job? job, string artifactsPath, ILogger? log = null)
    {
        var config = log is null ? ManualConfig.Create(DefaultConfig.Instance) : WithoutConsole(log);
        config = config
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(WorkloadColumns.All)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
        if (job is not null)
            config.AddJob(job);
        return config;
    }

    /// <summary>DefaultConfig's columns, exporters, analysers and validators, logging to <paramref name="log"/> only.</summary>
    private static ManualConfig WithoutConsole(ILogger log)
    {
        var defaults = DefaultConfig.Instance;
        return ManualConfig.CreateEmpty()
            .AddColumnProvider([.. defaults.GetColumnProviders()])
            .AddExporter([.. defaults.GetExporters()])
            .AddAnalyser([.. defaults.GetAnalysers()])
            .AddValidator([.. defaults.GetValidators()])
            .AddLogger(log);
    }
}
