namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// The bench program's command line. Our options are taken out; anything else is BenchmarkDotNet's own command
/// line (e.g. <c>--list flat</c>, <c>--job short</c>) and is passed through to it.
/// </summary>
public sealed record BenchOptions
{
    public bool Guard { get; init; }
    public bool Quick { get; init; }
    public IReadOnlyList<string> Filters { get; init; } = [];
    public string? JsonPath { get; init; }
    public bool UpdateDocs { get; init; }
    public bool Save { get; init; }
    public bool IncludeCalibration { get; init; }
    public string? ResultsDirectory { get; init; }
    public string? DocsPath { get; init; }
    public string? ArtifactsDirectory { get; init; }
    public string? LogPath { get; init; }
    public IReadOnlyList<string> BenchmarkDotNetArguments { get; init; } = [];

    public const string Usage = """
        usage: Campfire.Benchmarks [--quick] [--filter PATTERN]... [--json FILE] [--save] [--update-docs]
               Campfire.Benchmarks --guard [--filter PATTERN]... [--json FILE] [--update-docs]
          --quick               a quick look (~2 min): in-process, 3 short iterations per case, table only
          --filter PATTERN      glob over Namespace.Class.Method, e.g. *Tokenizer* (repeatable)
          --guard               CI guard: hot paths must allocate 0 B/op and stay above their speedup floors
          --json FILE           also write the results as JSON to FILE
          --save                keep this run in bench/results/ (the guard always does)
          --update-docs         refresh the generated block of docs/performance.md
          --include-calibration include the guard's own calibration suite
          --results-dir DIR     history folder (default: bench/results under the repository root)
          --docs FILE           performance document (default: docs/performance.md under the repository root)
          --artifacts DIR       BenchmarkDotNet's artifacts folder (default: BenchmarkDotNet.Artifacts/MODE under the root)
          --log FILE            BenchmarkDotNet's log (--quick and --guard; default: ARTIFACTS/benchmarkdotnet.log);
                                the console then shows only the tables
        other arguments go to BenchmarkDotNet's own command line.
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming a bad option.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        var filters = new List<string>();
        var passthrough = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--guard": options = options with { Guard = true }; break;
                case "--quick": options = options with { Quick = true }; break;
                case "--filter" or "-f":
                    filters.Add(Value());
                    // BenchmarkDotNet's --filter takes several patterns after one flag.
                    while (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                        filters.Add(args[++i]);
                    break;
                case "--json": options = options with { JsonPath = Value() }; break;
                case "--update-docs": options = options with { UpdateDocs = true }; break;
                case "--save": options = options with { Save = true }; break;
                case "--include-calibration": options = options with { IncludeCalibration = true }; break;
                case "--results-dir": options = options with { ResultsDirectory = Value() }; break;
                case "--docs": options = options with { DocsPath = Value() }; break;
                case "--artifacts": options = options with { ArtifactsDirectory = Value() }; break;
                case "--log": options = options with { LogPath = Value() }; break;
                default: passthrough.Add(args[i]); break;
            }
        }
        if (options.Guard && passthrough.Count > 0)
            throw new ArgumentException($"--guard takes no BenchmarkDotNet arguments (got {string.Join(' ', passthrough)})");
        return options with { Filters = filters, BenchmarkDotNetArguments = passthrough };
    }
}

/// <summary>BenchmarkDotNet-style globs (* and ?) over "Namespace.Class.Method".</summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal)
            .Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(text, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase);
    }

    public static bool AnyMatch(IReadOnlyList<string> patterns, string text) => patterns.Count == 0 || patterns.Any(p => IsMatch(p, text));
}

/// <summary>Finds the repository root (the folder holding Campfire.Core.sln) for the default output paths.</summary>
public static class RepositoryPaths
{
    public static string Root()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Campfire.Core.sln")))
                    return dir.FullName;
            }
        }
        return Environment.CurrentDirectory;
    }

    public static string Results(BenchOptions options) => options.ResultsDirectory ?? Path.Combine(Root(), "bench", "results");

    public static string Docs(BenchOptions options) => options.DocsPath ?? Path.Combine(Root(), "docs", "performance.md");

    public static string Artifacts(string mode) => Path.Combine(Root(), "BenchmarkDotNet.Artifacts", mode);

    public static string Artifacts(BenchOptions options, string mode) => options.ArtifactsDirectory ?? Artifacts(mode);

    /// <summary>Where BenchmarkDotNet's log goes when the console shows only the tables.</summary>
    public static string Log(BenchOptions options, string mode) => options.LogPath ?? Path.Combine(Artifacts(options, mode), "benchmarkdotnet.log");
}
