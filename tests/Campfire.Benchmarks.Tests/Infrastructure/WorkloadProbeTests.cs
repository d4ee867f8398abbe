using BenchmarkDotNet.Running;
using Campfire.Benchmarks.Calibration;
using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Tests.Infrastructure;

public class WorkloadProbeTests
{
    [Fact]
    public void Workload_is_read_after_params_and_global_setup()
    {
        var cases = BenchmarkConverter.TypeToBenchmarks(typeof(WordCountBenchmarks)).BenchmarksCases;

        var scan = Assert.Single(cases, c => c.Descriptor.WorkloadMethod.Name == nameof(WordCountBenchmarks.ScanSpan));
        var size = WorkloadProbe.SizeOf(scan);

        Assert.Equal(16_384, size.Tokens);
        Assert.True(size.Utf8Bytes > size.Tokens, "the generated text has 1-9 letters per word plus separators");
        Assert.Equal("Words=16384", SummaryReader.ParametersOf(scan));
    }

    [Fact]
    public void Class_without_a_workload_has_no_size()
    {
        var cases = BenchmarkConverter.TypeToBenchmarks(typeof(NoWorkload)).BenchmarksCases;

        Assert.Equal(default, WorkloadProbe.SizeOf(Assert.Single(cases)));
    }

    [Fact]
    public void Keys_drop_the_root_namespace_and_keep_the_area()
    {
        Assert.Equal("Calibration.WordCountBenchmarks.ScanSpan", SummaryReader.KeyOf(typeof(WordCountBenchmarks), "ScanSpan"));
        Assert.Equal("Tests.Infrastructure.NoWorkload.Run", SummaryReader.KeyOf(typeof(NoWorkload), "Run"));
    }
}

public class NoWorkload
{
    [BenchmarkDotNet.Attributes.Benchmark]
    public int Run() => 42;
}
