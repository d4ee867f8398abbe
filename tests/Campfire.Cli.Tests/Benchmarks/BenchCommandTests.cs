using System.CommandLine;
using Campfire.Cli.Commands;

namespace Campfire.Cli.Tests.Benchmarks;

[Collection(ConsoleCollection.Name)]
public sealed class BenchCommandTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "campfire-bench-cli-" + Guid.NewGuid().ToString("N"));

    string MakeCheckout()
    {
        var project = Path.Combine(_root, "checkout", BenchCommand.ProjectRelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        File.WriteAllText(project, "<Project />");
        return project;
    }

    [Fact]
    public void Options_translate_to_the_bench_program_arguments()
    {
        var arguments = BenchCommand.BenchArguments(quick: true, filters: ["*Tokenizer*", "*Parse*"], guard: false, json: "out/r.json",
            updateDocs: true, save: false, currentDirectory: "/work/here");

        Assert.Equal(["--quick", "--filter", "*Tokenizer*", "--filter", "*Parse*", "--json", "/work/here/out/r.json", "--update-docs"], arguments);
    }

    [Fact]
    public void Guard_is_passed_first_and_alone_when_nothing_else_is_asked()
    {
        Assert.Equal(["--guard"], BenchCommand.BenchArguments(false, [], true, null, false, false, "/"));
    }

    [Fact]
    public void Project_is_found_from_a_nested_folder_of_the_checkout()
    {
        var project = MakeCheckout();
        var nested = Path.Combine(_root, "checkout", "src", "deep");
        Directory.CreateDirectory(nested);

        Assert.Equal(project, BenchCommand.FindProject(null, nested, "/nonexistent"));
    }

    [Fact]
    public void Project_is_found_above_the_cli_folder_when_the_current_folder_is_elsewhere()
    {
        var project = MakeCheckout();
        var cliFolder = Path.Combine(_root, "checkout", "src", "Campfire.Cli", "bin", "Release", "net10.0");
        Directory.CreateDirectory(cliFolder);
        var elsewhere = Path.Combine(_root, "elsewhere");
        Directory.CreateDirectory(elsewhere);

        Assert.Equal(project, BenchCommand.FindProject(null, elsewhere, cliFolder));
    }

    [Fact]
    public void Explicit_project_may_name_the_folder_or_the_file()
    {
        var project = MakeCheckout();

        Assert.Equal(project, BenchCommand.FindProject(project, "/", "/"));
        Assert.Equal(project, BenchCommand.FindProject(Path.GetDirectoryName(project), "/", "/"));
        Assert.Null(BenchCommand.FindProject(Path.Combine(_root, "missing.csproj"), "/", "/"));
    }

    [Fact]
    public async Task Missing_project_is_a_clear_bad_input_error()
    {
        var command = new BenchCommand().Build();
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            var exit = await command.Parse(["--project", Path.Combine(_root, "nope.csproj")]).InvokeAsync();

            Assert.Equal(ExitCodes.BadInput, exit);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("cannot find bench/Campfire.Benchmarks/Campfire.Benchmarks.csproj", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_option_is_a_parse_error()
    {
        var result = new BenchCommand().Build().Parse(["--fast"]);

        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public async Task Runs_dotnet_run_in_release_and_passes_the_exit_code_on()
    {
        // A stand-in for dotnet that records its arguments and fails like a failed guard (a shell script: Unix only).
        if (OperatingSystem.IsWindows())
            return;
        var project = MakeCheckout();
        var fake = Path.Combine(_root, "fake-dotnet.sh");
        var log = Path.Combine(_root, "args.txt");
        File.WriteAllText(fake, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}'\nexit 1\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var launcher = new BenchCommand { DotnetExecutable = fake };

        // A script written a moment ago can be refused with ETXTBSY ("Text file busy") while a child process that a
        // parallel test is starting still holds a copy of the write handle until its exec: try again then.
        int exit;
        string error;
        for (var attempt = 1; ; attempt++)
        {
            var capture = new StringWriter();
            var saved = Console.Error;
            Console.SetError(capture);
            try
            {
                exit = await launcher.RunAsync(project, ["--guard", "--filter", "*Render*"], CancellationToken.None);
            }
            finally
            {
                Console.SetError(saved);
            }
            error = capture.ToString();
            if (!error.Contains("Text file busy", StringComparison.Ordinal) || attempt == 20)
                break;
            await Task.Delay(50);
        }

        Assert.True(!error.Contains("cannot start", StringComparison.Ordinal), error);
        Assert.Equal(1, exit);
        Assert.Equal(["run", "-c", "Release", "--project", project, "--", "--guard", "--filter", "*Render*"],
            File.ReadAllLines(log));
    }

    [Fact]
    public async Task Missing_dotnet_is_reported_not_thrown()
    {
        var launcher = new BenchCommand { DotnetExecutable = Path.Combine(_root, "no-such-dotnet") };
        var saved = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            Assert.Equal(ExitCodes.BadInput, await launcher.RunAsync("x.csproj", [], CancellationToken.None));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("cannot start", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
