using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Calibration;

/// <summary>
/// The guard's calibration suite: a known zero-allocation hot path (span scan) against a known allocating, slower
/// baseline (Regex.Matches). It exercises the whole guard pipeline (discovery, baseline pairing, per-token columns,
/// re-measure, reports) independently of the product's suites; run it with <c>--guard --include-calibration</c>.
/// Words stand in for tokens.
/// </summary>
public partial class WordCountBenchmarks : ITokenWorkload
{
    static readonly SearchValues<char> Separators = SearchValues.Create(" \n\t");

    string _text = "";

    [Params(16_384)]
    public int Words { get; set; }

    public long TokensPerOperation => Words;

    public long Utf8BytesPerOperation => Encoding.UTF8.GetByteCount(_text);

    [GlobalSetup]
    public void Setup()
    {
        // Fixed seed: the same text in every run.
        var random = new Random(20261125);
        var text = new StringBuilder();
        for (var i = 0; i < Words; i++)
        {
            if (i > 0)
                text.Append(i % 13 == 0 ? '\n' : ' ');
            var length = 1 + random.Next(9);
            for (var j = 0; j < length; j++)
                text.Append((char)('a' + random.Next(26)));
        }
        _text = text.ToString();
    }

    [Benchmark(Baseline = true)]
    public int RegexMatches() => WordPattern().Matches(_text).Count;

    [GeneratedRegex(@"[^ \n\t]+")]
    private static partial Regex WordPattern();

    [Benchmark]
    [HotPath(MinSpeedup = 3, Goal = "6x Regex.Matches")]
    public int ScanSpan()
    {
        var rest = _text.AsSpan();
        var count = 0;
        while (!rest.IsEmpty)
        {
            var start = rest.IndexOfAnyExcept(Separators);
            if (start < 0)
                break;
            rest = rest[start..];
            count++;
            var end = rest.IndexOfAny(Separators);
            if (end < 0)
                break;
            rest = rest[end..];
        }
        return count;
    }
}
