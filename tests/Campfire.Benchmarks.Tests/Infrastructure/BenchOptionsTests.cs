using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Tests.Infrastructure;

public class BenchOptionsTests
{
    [Fact]
    public void Our_options_are_taken_and_the_rest_goes_to_BenchmarkDotNet()
    {
        var options = BenchOptions.Parse(["--quick", "--filter", "*Tokenizer*", "*Parse*", "--json", "out.json", "--list", "flat"]);

        Assert.True(options.Quick);
        Assert.Equal(["*Tokenizer*", "*Parse*"], options.Filters);
        Assert.Equal("out.json", options.JsonPath);
        Assert.Equal(["--list", "flat"], options.BenchmarkDotNetArguments);
    }

    [Fact]
    public void Guard_takes_no_BenchmarkDotNet_arguments()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--guard", "--job", "long"]));

        Assert.Contains("--job long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Option_missing_its_value_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--json"]));

        Assert.Contains("--json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*Tokenizer*", "Campfire.Benchmarks.Tokenizer.EncodeBenchmarks.Encode", true)]
    [InlineData("*tokenizer*", "Campfire.Benchmarks.Tokenizer.EncodeBenchmarks.Encode", true)]
    [InlineData("*Render*", "Campfire.Benchmarks.Tokenizer.EncodeBenchmarks.Encode", false)]
    [InlineData("*.Encode", "Campfire.Benchmarks.Tokenizer.EncodeBenchmarks.Encode", true)]
    [InlineData("*.Enc?de", "Campfire.Benchmarks.Tokenizer.EncodeBenchmarks.Encode", true)]
    public void Filters_are_globs(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, Glob.IsMatch(pattern, name));
    }
}
