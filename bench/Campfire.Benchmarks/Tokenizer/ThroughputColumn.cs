using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>MB/s (UTF-8 bytes of the input) or tokens/s, from the mean time of each benchmark case.</summary>
internal sealed class ThroughputColumn(string name, Func<BenchmarkCase, double> unitsPerOperation, double scale) : IColumn
{
    public static readonly ThroughputColumn MegabytesPerSecond = new("MB/s", c => TokenizerCorpora.Utf8Length(CorpusOf(c)), 1e6);
    public static readonly ThroughputColumn TokensPerSecond = new("Mtokens/s", c => TokenCount(CorpusOf(c)), 1e6);

    public string Id => nameof(ThroughputColumn) + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => name == "MB/s" ? "Megabytes (10^6) of UTF-8 input per second" : "Millions of tokens produced per second";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } statistics)
            return "NA";
        double seconds = statistics.Mean / 1e9;
        return (unitsPerOperation(benchmarkCase) / seconds / scale).ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    private static string CorpusOf(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Corpus")?.Value as string
        ?? benchmarkCase.Descriptor.WorkloadMethod.Name switch
        {
            nameof(TokenizerWorstCaseBenchmarks.Prose1MB) => TokenizerCorpora.Prose1MB,
            nameof(TokenizerWorstCaseBenchmarks.NoSpaces1MB) => TokenizerCorpora.NoSpaces1MB,
            _ => TokenizerCorpora.RepeatedChar1MB,
        };

    private static readonly Dictionary<string, int> TokenCounts = new();

    private static double TokenCount(string corpus)
    {
        lock (TokenCounts)
        {
            if (!TokenCounts.TryGetValue(corpus, out int count))
                TokenCounts[corpus] = count = Campfire.Harmony.Tokenization.O200kHarmonyTokenizer.Instance.CountTokens(TokenizerCorpora.Get(corpus));
            return count;
        }
    }
}
