namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// Marks a <c>[Benchmark]</c> method as a hot path that the CI guard (<c>--guard</c>) checks on every build:
/// it must allocate 0 bytes per operation (a hard gate) and, when <see cref="MinSpeedup"/> is set, be at least that
/// many times faster than the <c>[Benchmark(Baseline = true)]</c> method of the same class and parameters, measured
/// in the same run. Absolute times are reported but never gated.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class HotPathAttribute : Attribute
{
    /// <summary>Whether any allocation fails the guard (default true).</summary>
    public bool ZeroAllocation { get; set; } = true;

    /// <summary>
    /// Lowest acceptable baseline-time / hot-path-time ratio; 0 disables the ratio gate. Set it conservatively
    /// (about half the goal in docs/performance.md): the guard runs a short job on a shared, noisy machine.
    /// </summary>
    public double MinSpeedup { get; set; }

    /// <summary>
    /// When set, the guard checks only parameter combinations whose display text contains this string
    /// (e.g. "Corpus=Prose"), so an expensive case that has its own criterion does not slow CI down.
    /// </summary>
    public string? ParametersContaining { get; set; }

    /// <summary>
    /// For a hot path that may allocate (<see cref="ZeroAllocation"/> false): the most bytes per operation it may
    /// allocate, by BenchmarkDotNet's figure; 0 disables the ceiling.
    /// </summary>
    public long MaxAllocatedBytes { get; set; }

    /// <summary>The goal this floor derives from, quoted in the guard report (e.g. "4x Microsoft.ML.Tokenizers").</summary>
    public string? Goal { get; set; }
}
