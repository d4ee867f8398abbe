using System.CommandLine;
using System.Diagnostics;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire bench</c>: runs the BenchmarkDotNet suites or the CI guard. The suites live in the bench project
/// (bench/Campfire.Benchmarks), which this command builds and runs in Release with <c>dotnet run</c>; the bench
/// program prints the per-token table and writes the JSON. The CLI does not reference the bench project: that would
/// pull BenchmarkDotNet (and its compiler packages) into every install of the tool, and BenchmarkDotNet refuses
/// non-optimised assemblies, which a Debug build of the CLI would hand it.
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    /// <summary>Where the bench project sits relative to the repository root.</summary>
    public const string ProjectRelativePath = "bench/Campfire.Benchmarks/Campfire.Benchmarks.csproj";

    /// <summary>Environment variable naming the bench project when the CLI runs outside a checkout.</summary>
    public const string ProjectVariable = "CAMPFIRE_BENCH_PROJECT";

    /// <summary>The program that runs the bench project; tests point it at a stand-in.</summary>
    internal string DotnetExecutable { get; init; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public Command Build()
    {
        var quick = new Option<bool>("--quick")
        {
            Description = "A quick look (in-process, 3 short iterations per case; the suite ran in 80 s on 2 cores): prints the table only, "
                          + "BenchmarkDotNet's log goes to BenchmarkDotNet.Artifacts/quick/benchmarkdotnet.log. Without it: the full suite",
        };
        var filter = new Option<string[]>("--filter")
        {
            Description = "Run only benchmarks whose Namespace.Class.Method matches this glob, e.g. *Tokenizer* (repeatable)",
            AllowMultipleArgumentsPerToken = true,
        };
        var guard = new Option<bool>("--guard") { Description = "CI guard: hot paths must allocate 0 B/op and keep their speedup floors; exit 1 otherwise" };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file" };
        var updateDocs = new Option<bool>("--update-docs") { Description = "Refresh the generated tables in docs/performance.md" };
        var save = new Option<bool>("--save") { Description = "Keep this run in bench/results/ (the guard always does)" };
        var project = new Option<string?>("--project")
        {
            Description = $"The bench project (default: {ProjectRelativePath} above the current folder, or ${ProjectVariable})",
        };
        var command = new Command("bench", "Run the BenchmarkDotNet suites (ns/token, tokens/s, B/token, speedup over the baseline) or the CI guard");
        foreach (var option in new Option[] { quick, filter, guard, json, updateDocs, save, project })
            command.Options.Add(option);

        command.SetAction(async (parse, cancellation) =>
        {
            var projectPath = FindProject(parse.GetValue(project), Environment.CurrentDirectory, AppContext.BaseDirectory);
            if (projectPath is null)
            {
                return CliInput.Fail($"bench: cannot find {ProjectRelativePath}; run inside a Campfire.Core checkout, "
                                     + $"or pass --project PATH or set {ProjectVariable}");
            }
            var arguments = BenchArguments(parse.GetValue(quick), parse.GetValue(filter) ?? [], parse.GetValue(guard),
                parse.GetValue(json), parse.GetValue(updateDocs), parse.GetValue(save), Environment.CurrentDirectory);
            return await RunAsync(projectPath, arguments, cancellation);
        });
        return command;
    }

    /// <summary>The bench program's arguments for these options (a relative --json path is resolved here).</summary>
    internal static List<string> BenchArguments(bool quick, IReadOnlyList<string> filters, bool guard, string? json, bool updateDocs,
        bool save, string currentDirectory)
    {
        var arguments = new List<string>();
        if (guard)
            arguments.Add("--guard");
        if (quick)
            arguments.Add("--quick");
        foreach (var pattern in filters)
            arguments.AddRange(["--filter", pattern]);
        if (json is not null)
            arguments.AddRange(["--json", Path.GetFullPath(json, currentDirectory)]);
        if (updateDocs)
            arguments.Add("--update-docs");
        if (save)
            arguments.Add("--save");
        return arguments;
    }

    /// <summary>
    /// The bench project: the explicit path, else $CAMPFIRE_BENCH_PROJECT, else bench/Campfire.Benchmarks/... in the
    /// first folder at or above the current folder (then above the CLI's own folder) that has one; null when none.
    /// </summary>
    internal static string? FindProject(string? explicitPath, string currentDirectory, string baseDirectory)
    {
        var given = explicitPath ?? Environment.GetEnvironmentVariable(ProjectVariable);
        if (!string.IsNullOrEmpty(given))
        {
            var full = Path.GetFullPath(given, currentDirectory);
            if (Directory.Exists(full))
                full = Path.Combine(full, Path.GetFileName(ProjectRelativePath));
            return File.Exists(full) ? full : null;
        }
        foreach (var start in new[] { currentDirectory, baseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ProjectRelativePath);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// <c>dotnet run -c Release --project P -- ARGS</c>, output streamed through, exit code passed on (0 pass, 1 a
    /// failed guard or benchmark, 2 usage). Cancelling kills the run.
    /// </summary>
    internal async Task<int> RunAsync(string projectPath, IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(DotnetExecutable) { UseShellExecute = false };
        foreach (var argument in (string[])["run", "-c", "Release", "--project", projectPath, "--", .. arguments])
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return CliInput.Fail($"bench: cannot start {DotnetExecutable}: {e.Message}");
        }
        using (process)
        {
            try
            {
                await process.WaitForExitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            return process.ExitCode;
        }
    }
}
