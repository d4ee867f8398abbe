using Campfire.Benchmarks.Calibration;
using Campfire.Benchmarks.Guard;

namespace Campfire.Benchmarks.Tests.Guard;

public class GuardRulesTests
{
    [Fact]
    public void Calibration_suite_is_guarded_only_on_request()
    {
        var assembly = typeof(WordCountBenchmarks).Assembly;

        var with = GuardRules.Discover(assembly, includeCalibration: true, filters: []);
        var without = GuardRules.Discover(assembly, includeCalibration: false, filters: []);

        var rule = Assert.Single(with, d => d.Type == typeof(WordCountBenchmarks)).Rule;
        Assert.Equal("Calibration.WordCountBenchmarks.ScanSpan", rule.Benchmark);
        Assert.True(rule.RequireZeroAllocation);
        Assert.Equal(3, rule.MinSpeedup);
        Assert.DoesNotContain(without, d => d.Type == typeof(WordCountBenchmarks));
    }

    [Fact]
    public void Filters_restrict_the_guarded_set()
    {
        var found = GuardRules.Discover(typeof(WordCountBenchmarks).Assembly, includeCalibration: true, filters: ["*NothingLikeThis*"]);

        Assert.Empty(found);
    }

    [Fact]
    public void Calibration_hot_path_really_allocates_nothing()
    {
        // The calibration suite must itself satisfy the guard, or a guard failure would say nothing about the product.
        var suite = new WordCountBenchmarks { Words = 2048 };
        suite.Setup();
        var expected = suite.RegexMatches();
        for (var i = 0; i < 100; i++)
            suite.ScanSpan();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 0;
        for (var i = 0; i < 100; i++)
            count = suite.ScanSpan();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(expected, count);
        Assert.Equal(2048, count);
        Assert.Equal(0, allocated);
    }
}
