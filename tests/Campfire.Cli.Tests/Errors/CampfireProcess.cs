using System.Diagnostics;

namespace Campfire.Cli.Tests.Errors;

/// <summary>Runs the built <c>campfire</c> (campfire.dll next to the tests) as a user would, and checks the error contract.</summary>
public static class CampfireProcess
{
    /// <summary>Exit code, standard output and standard error of one run.</summary>
    public static (int Code, string Out, string Err) RunWith(string stdin, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["CAMPFIRE_TORCH_THREADS"] = "1";
        start.Environment.Remove("CAMPFIRE_VERBOSE");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "campfire.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(true);
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs with empty standard input.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args) => RunWith("", null, args);

    /// <summary>
    /// The contract for a failure: this exit code, nothing on standard output, exactly one line on standard error that
    /// starts with "campfire: " and contains every one of <paramref name="expected"/>, and no stack trace.
    /// </summary>
    public static string AssertFails(int code, (int Code, string Out, string Err) run, params string[] expected)
    {
        Assert.True(run.Code == code, $"exit {run.Code}, expected {code}; stderr: {run.Err}");
        Assert.Equal("", run.Out);
        AssertNoStackTrace(run.Err);
        var lines = run.Err.TrimEnd('\n', '\r').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}: {run.Err}");
        Assert.StartsWith("campfire: ", lines[0]);
        foreach (var text in expected)
            Assert.Contains(text, lines[0]);
        return lines[0];
    }

    /// <summary>No frames ("   at ...") and no exception type names in <paramref name="stderr"/>.</summary>
    public static void AssertNoStackTrace(string stderr)
    {
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Exception", stderr);
        Assert.DoesNotContain("Unhandled", stderr);
    }
}
