using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Campfire.Benchmarks.Calibration;
using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Tests.Infrastructure;

public class AllocationProbeTests
{
    static BenchmarkCase Case(Type type, string method) =>
        Assert.Single(BenchmarkConverter.TypeToBenchmarks(type).BenchmarksCases, c => c.Descriptor.WorkloadMethod.Name == method);

    [Fact]
    public void Zero_allocation_hot_path_measures_zero()
    {
        Assert.Equal(0, AllocationProbe.Measure(Case(typeof(WordCountBenchmarks), nameof(WordCountBenchmarks.ScanSpan)), 300_000));
    }

    [Fact]
    public void Deliberately_allocating_benchmark_measures_its_bytes()
    {
        // new byte[100] is 124 bytes on x64 (24-byte header and length, payload rounded up to 8).
        var bytes = AllocationProbe.Measure(Case(typeof(AllocatingSuite), nameof(AllocatingSuite.AllocateHundredBytes)), 50);

        Assert.InRange(bytes!.Value, 100, 160);
    }

    [Fact]
    public void Bytes_are_divided_by_operations_per_invoke_and_rounded_like_BenchmarkDotNet()
    {
        var bytes = AllocationProbe.Measure(Case(typeof(AllocatingSuite), nameof(AllocatingSuite.OneSmallArrayPerThousandTokens)), 10);

        Assert.Equal(0, bytes);   // 32 bytes over 1000 operations rounds to 0 B/op, as BenchmarkDotNet reports it
    }

    [Fact]
    public void Task_returning_benchmark_is_waited_for()
    {
        var bytes = AllocationProbe.Measure(Case(typeof(AllocatingSuite), nameof(AllocatingSuite.CompletedTask)), 10);

        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Setup_and_cleanup_run_around_the_probe()
    {
        AllocatingSuite.CleanedUp = 0;

        AllocationProbe.Measure(Case(typeof(AllocatingSuite), nameof(AllocatingSuite.AllocateHundredBytes)), 50);

        Assert.Equal(1, AllocatingSuite.CleanedUp);
    }
}

public class AllocatingSuite
{
    public static int CleanedUp;
    byte[]? _kept;
    bool _setUp;

    [GlobalSetup]
    public void Setup() => _setUp = true;

    [GlobalCleanup]
    public void Cleanup() => CleanedUp++;

    [Benchmark]
    public int AllocateHundredBytes()
    {
        if (!_setUp)
            throw new InvalidOperationException("GlobalSetup did not run");
        _kept = new byte[100];
        return _kept.Length;
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public int OneSmallArrayPerThousandTokens()
    {
        _kept = new byte[8];
        return _kept.Length;
    }

    [Benchmark]
    public Task CompletedTask() => Task.CompletedTask;
}
