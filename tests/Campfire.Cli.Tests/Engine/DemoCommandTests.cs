using System.Diagnostics;
using System.Text.Json;
using Campfire.Cli.Commands;
using Campfire.Cli.Engine;
using Campfire.Harmony.Engine;
using Campfire.Guidance;
using Campfire.Harmony.Testing;
using Campfire.Search;

namespace Campfire.Cli.Tests.Engine;

[Collection(ConsoleCollection.Name)]
public sealed class DemoCommandTests
{
    private static DemoCommand.DemoSettings Settings(bool json = false, string? model = null, string? question = null, string? index = null) =>
        new(json, model, question, index, DelayMs: 0, Stream: false, MaxTokens: 2048);

    [Fact]
    public async Task Demo_prints_each_step_the_answer_checked_citations_and_usage()
    {
        var output = new StringWriter();
        var exit = await DemoCommand.RunAsync(Settings(), output, LocalModel.TorchSharpCpu, CancellationToken.None);
        var text = output.ToString();
        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("Model:  SCRIPTED MODEL", text);
        Assert.Contains("Corpus: first-aid-sample, 7 documents", text);
        Assert.Contains("── user\n  Someone is choking, what should I do?", text);
        Assert.Contains("── round 1 · assistant · analysis", text);
        Assert.Contains("── round 1 · assistant → browser.search · analysis", text);
        Assert.Contains("── round 1 · tool browser.search", text);
        Assert.Contains("── round 2 · assistant → browser.open · analysis", text);
        Assert.Contains("[1] Choking: adults and children over one year (corpus/choking.md)", text);
        Assert.Contains("more lines)", text); // long tool results are shortened
        Assert.Contains("══ Final answer", text);
        Assert.Contains(EmergencyGuidance.SafetyNote, text);
        Assert.Equal(8, text.Split('\n').Count(l => l.StartsWith("  ✓ 【1†L", StringComparison.Ordinal)));
        Assert.DoesNotContain("✗", text);
        Assert.Contains("══ Usage: 3 model turns, 2 tool calls, stopped: FinalAnswer", text);
        Assert.Matches(@"tokens: \d+ prompt \(summed over turns\), \d+ completion", text);
        Assert.Contains("time: first token", text);
    }

    [Fact]
    public async Task Demo_json_prints_one_event_per_line()
    {
        var output = new StringWriter();
        Assert.Equal(ExitCodes.Success, await DemoCommand.RunAsync(Settings(json: true), output, LocalModel.TorchSharpCpu, CancellationToken.None));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("demo_started", events[0].GetProperty("type").GetString());
        Assert.Equal("scripted", events[0].GetProperty("model").GetString());
        Assert.Equal("run_completed", events[^1].GetProperty("type").GetString());
        var final = events.Single(e => e.GetProperty("type").GetString() == "final_answer");
        Assert.All(final.GetProperty("citations").EnumerateArray(), c => Assert.Equal("Valid", c.GetProperty("status").GetString()));
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "content_delta");
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == "tool_call_finished"));
    }

    [Fact]
    public async Task Question_and_index_need_a_real_model()
    {
        Assert.Equal(ExitCodes.BadUsage, await DemoCommand.RunAsync(Settings(question: "Burns?"), new StringWriter(), LocalModel.TorchSharpCpu, CancellationToken.None));
        Assert.Equal(ExitCodes.BadUsage, await DemoCommand.RunAsync(Settings(index: "/tmp"), new StringWriter(), LocalModel.TorchSharpCpu, CancellationToken.None));
    }

    [Fact]
    public async Task Model_option_on_a_folder_without_a_checkpoint_says_so()
    {
        Assert.Equal(ExitCodes.BadInput, await DemoCommand.RunAsync(Settings(model: AppContext.BaseDirectory), new StringWriter(), LocalModel.TorchSharpCpu, CancellationToken.None));
    }

    [Fact]
    public async Task A_local_model_loader_swaps_in_another_model_and_index()
    {
        var temp = Directory.CreateTempSubdirectory("campfire-demo-").FullName;
        try
        {
            SampleCorpus.WriteTo(Path.Combine(temp, "docs"));
            LuceneSearchBackend.BuildIndex(Path.Combine(temp, "docs"), Path.Combine(temp, "index"), "my-docs");
            var factory = new FakeModel(ScriptedTokenGenerator.FromHarmonyText(
                "<|channel|>final<|message|>Cool the burn under running water for 20 minutes.<|return|>"));
            var output = new StringWriter();
            var exit = await DemoCommand.RunAsync(Settings(model: temp, question: "Burn on my arm?", index: Path.Combine(temp, "index")), output, factory.AsLocalModel(), CancellationToken.None);
            Assert.Equal(ExitCodes.Success, exit);
            Assert.Contains($"Model:  Fake model from {temp}", output.ToString());
            Assert.Contains("Corpus: my-docs, 7 documents", output.ToString());
            Assert.Contains("Burn on my arm?", output.ToString());
            Assert.Equal(temp, factory.LoadedFrom);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_runs_as_a_process_from_the_build_output()
    {
        var campfire = Path.Combine(AppContext.BaseDirectory, "campfire.dll");
        var start = new ProcessStartInfo("dotnet", [campfire, "demo", "--json"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("\"type\":\"final_answer\"", stdout);
    }

    private sealed class FakeModel(ITokenGenerator generator)
    {
        public string? LoadedFrom { get; private set; }

        public LocalModel AsLocalModel() => new("Fake", directory =>
        {
            LoadedFrom = directory;
            return generator;
        });
    }
}
