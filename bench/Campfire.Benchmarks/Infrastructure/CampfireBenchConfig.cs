using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// The one BenchmarkDotNet configuration every suite runs under (suites declare no jobs or columns of their own):
/// MemoryDiagnoser, the per-token columns, and the job chosen by the mode.
/// </summary>
public static class CampfireBenchConfig
{
    /// <summary>BenchmarkDotNet's short job (3 warm-ups, 3 iterations) run in this process: no child build.</summary>
    public static Job QuickJob { get; } = Job.ShortRun.WithToolchain(InProcessEmitToolchain.DontLogOutput).WithId("Quick");

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

    public static ManualConfig Create(Job? job, string artifactsPath)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(WorkloadColumns.All)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
        if (job is not null)
            config.AddJob(job);
        return config;
    }
}
