using System.Globalization;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// Writes runs as JSON + Markdown: a dated pair per run in bench/results/ (the history that shows trends) and,
/// on request, a JSON file of the caller's choosing.
/// </summary>
public static class ResultStore
{
    /// <summary>Writes "yyyy-MM-dd-HHmmss-mode.json" and ".md" into <paramref name="directory"/>; returns the JSON path.</summary>
    public static string SaveHistory(BenchRun run, string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory,
            run.Date.ToUniversalTime().ToString("yyyy-MM-dd-HHmmss", CultureInfo.InvariantCulture) + "-" + run.Mode);
        File.WriteAllText(stem + ".json", run.ToJson());
        File.WriteAllText(stem + ".md", $"# Benchmark {run.Mode} run\n\n" + ResultTable.Report(run));
        return stem + ".json";
    }

    public static void SaveJson(BenchRun run, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllText(path, run.ToJson());
    }

    /// <summary>The history files of <paramref name="mode"/>, oldest first (the names sort by date).</summary>
    public static IReadOnlyList<string> History(string directory, string mode) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*-" + mode + ".json").Order(StringComparer.Ordinal).ToList()
            : [];
}
