using Campfire.Benchmarks.Infrastructure;
using static Campfire.Benchmarks.Tests.Measurements;

namespace Campfire.Benchmarks.Tests.Infrastructure;

public class BaselinePairingTests
{
    [Fact]
    public void Baseline_is_the_same_class_and_parameters()
    {
        var run = new[]
        {
            Of("Parsing.ParseBenchmarks.ReDecoding", 1000, baseline: true, parameters: "Chunk=1"),
            Of("Parsing.ParseBenchmarks.ReDecoding", 9000, baseline: true, parameters: "Chunk=64"),
            Of("Parsing.OtherBenchmarks.ReDecoding", 7000, baseline: true, parameters: "Chunk=64"),
            Of("Parsing.ParseBenchmarks.Streaming", 100, parameters: "Chunk=64"),
        };

        Assert.Same(run[1], BaselinePairing.FindBaseline(run[3], run));
        Assert.Equal(90, BaselinePairing.Speedup(run[3], run), 6);
    }

    [Fact]
    public void Categories_pick_the_baseline_when_a_class_has_several()
    {
        var run = new[]
        {
            Of("Tokenizer.T.MlEncode", 4000, baseline: true, categories: "Encode"),
            Of("Tokenizer.T.MlDecode", 3000, baseline: true, categories: "Decode"),
            Of("Tokenizer.T.Decode", 1000, categories: "Decode"),
        };

        Assert.Same(run[1], BaselinePairing.FindBaseline(run[2], run));
    }

    [Fact]
    public void Ambiguous_baselines_without_categories_pair_with_nothing()
    {
        var run = new[]
        {
            Of("A.T.First", 4000, baseline: true),
            Of("A.T.Second", 3000, baseline: true),
            Of("A.T.Hot", 1000),
        };

        Assert.Null(BaselinePairing.FindBaseline(run[2], run));
        Assert.True(double.IsNaN(BaselinePairing.Speedup(run[2], run)));
    }

    [Fact]
    public void A_baseline_has_no_baseline()
    {
        var run = new[] { Of("A.T.Base", 4000, baseline: true) };

        Assert.Null(BaselinePairing.FindBaseline(run[0], run));
    }

    [Fact]
    public void Per_token_figures_derive_from_mean_allocation_and_workload()
    {
        var m = Of("A.T.Hot", meanNs: 20_000, allocated: 4000, tokens: 1000, bytes: 4000);

        Assert.Equal(20, m.NsPerToken, 9);
        Assert.Equal(50e6, m.TokensPerSecond, 3);
        Assert.Equal(200, m.MegabytesPerSecond, 6);
        Assert.Equal(4, m.AllocatedBytesPerToken, 9);
        Assert.Equal("A.T", m.Class);
        Assert.Equal("Hot", m.Method);
    }

    [Fact]
    public void Per_token_figures_are_absent_without_a_workload()
    {
        var m = Of("A.T.Hot", meanNs: 20_000, tokens: 0);

        Assert.True(double.IsNaN(m.NsPerToken));
        Assert.True(double.IsNaN(m.TokensPerSecond));
        Assert.True(double.IsNaN(m.MegabytesPerSecond));
        Assert.True(double.IsNaN(m.AllocatedBytesPerToken));
    }
}
