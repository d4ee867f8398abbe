using Campfire.Benchmarks.Guard;
using Campfire.Benchmarks.Infrastructure;
using static Campfire.Benchmarks.Tests.Measurements;

namespace Campfire.Benchmarks.Tests.Infrastructure;

public sealed class ResultsTests : IDisposable
{
    readonly string _directory = Path.Combine(Path.GetTempPath(), "campfire-bench-tests-" + Guid.NewGuid().ToString("N"));

    static BenchRun SampleRun(DateTimeOffset date)
    {
        var measurements = new[]
        {
            Of("Tokenizer.EncodeBenchmarks.MicrosoftMl", 400_000, allocated: 5000, baseline: true, parameters: "Corpus=Prose", tokens: 10_000, bytes: 45_000),
            Of("Tokenizer.EncodeBenchmarks.Encode", 100_000, allocated: 0, parameters: "Corpus=Prose", tokens: 10_000, bytes: 45_000),
        };
        var rules = new[] { new GuardRule("Tokenizer.EncodeBenchmarks.Encode", true, 2, Goal: "4x") };
        var verdict = GuardEvaluator.Decide(GuardEvaluator.Evaluate(rules, measurements), null);
        return new BenchRun(date, "guard", "dotnet run -c Release --project bench/Campfire.Benchmarks -- --guard",
            new MachineInfo("Test CPU", 2, "Linux", ".NET 10", "X64"), measurements, verdict, 42);
    }

    [Fact]
    public void Json_round_trips_measurements_and_verdict()
    {
        var run = SampleRun(new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero));

        var back = BenchRun.FromJson(run.ToJson());

        Assert.Equal(run.Date, back.Date);
        Assert.Equal(run.Machine, back.Machine);
        Assert.Equal(2, back.Measurements.Count);
        Assert.Equal(run.Measurements[1].Id, back.Measurements[1].Id);
        Assert.Equal(0, back.Measurements[1].AllocatedBytesPerOperation);
        Assert.True(back.Guard!.Passed);
        Assert.Equal(run.Guard!.Checks.Count, back.Guard.Checks.Count);
    }

    [Fact]
    public void Json_holds_failed_cases_without_numbers()
    {
        var run = SampleRun(DateTimeOffset.UnixEpoch) with { Measurements = [Of("A.T.M", 0, allocated: null, succeeded: false)] };

        var json = run.ToJson();

        Assert.Contains("\"meanNs\": \"NaN\"", json, StringComparison.Ordinal);
        Assert.False(BenchRun.FromJson(json).Measurements[0].Succeeded);
    }

    [Fact]
    public void History_files_are_dated_and_kept()
    {
        ResultStore.SaveHistory(SampleRun(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero)), _directory);
        var latest = ResultStore.SaveHistory(SampleRun(new DateTimeOffset(2026, 11, 25, 13, 5, 7, TimeSpan.Zero)), _directory);

        Assert.Equal(Path.Combine(_directory, "2026-11-25-130507-guard.json"), latest);
        Assert.True(File.Exists(Path.Combine(_directory, "2026-11-25-130507-guard.md")));
        Assert.Equal(2, ResultStore.History(_directory, "guard").Count);
        Assert.EndsWith("2026-11-24-090000-guard.json", ResultStore.History(_directory, "guard")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_report_names_date_machine_command_and_ratios()
    {
        var report = ResultTable.Report(SampleRun(new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero)));

        Assert.Contains("2026-11-25 13:00 UTC", report, StringComparison.Ordinal);
        Assert.Contains("Test CPU, 2 logical cores", report, StringComparison.Ordinal);
        Assert.Contains("`dotnet run -c Release --project bench/Campfire.Benchmarks -- --guard`", report, StringComparison.Ordinal);
        Assert.Contains("| ns/token | tokens/s | MB/s | Allocated | B/token | vs baseline |", report, StringComparison.Ordinal);
        // 100 us for 10,000 tokens and 45,000 bytes: 10 ns/token, 100 M tokens/s, 450 MB/s, 4x the baseline.
        Assert.Contains("| Tokenizer.EncodeBenchmarks.Encode | Corpus=Prose | 100.000 us | 10.00 | 100.00 M | 450.0 | 0 B | 0 | 4.00x |", report, StringComparison.Ordinal);
        Assert.Contains("| pass | 4.00x MicrosoftMl", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_table_aligns_columns_and_marks_the_baseline()
    {
        var lines = ResultTable.ToText(SampleRun(DateTimeOffset.UnixEpoch).Measurements).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length));
        Assert.EndsWith("baseline", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("4.00x", lines[3], StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
