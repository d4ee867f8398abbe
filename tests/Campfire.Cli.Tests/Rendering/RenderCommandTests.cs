using System.Diagnostics;
using System.Text.Json;
using Campfire.Cli.Commands;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Tests.Rendering;

[Collection(ConsoleCollection.Name)]
public sealed class RenderCommandTests : IDisposable
{
    /// <summary>The example of shared/notes/harmony-json.md, with the text the reference renders for it (auto-drop on, no completion).</summary>
    private const string ExampleJson = """
        {
          "messages": [
            {"role": "system", "content": [{"type": "system_content",
              "model_identity": "You are ChatGPT, a large language model trained by OpenAI.",
              "reasoning_effort": "Low", "knowledge_cutoff": "2024-06", "conversation_start_date": "2026-01-15",
              "channel_config": {"valid_channels": ["analysis", "commentary", "final"], "channel_required": true}}]},
            {"role": "developer", "content": [{"type": "developer_content",
              "instructions": "Answer briefly.",
              "tools": {"functions": {"name": "functions", "tools": [
                {"name": "get_weather", "description": "Current weather for a city.",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}}}]},
            {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
            {"role": "assistant", "channel": "analysis", "content": [{"type": "text", "text": "Call the weather tool."}]},
            {"role": "assistant", "channel": "commentary", "recipient": "functions.get_weather",
             "content_type": "<|constrain|>json", "content": [{"type": "text", "text": "{\"city\": \"Oslo\"}"}]},
            {"role": "tool", "name": "functions.get_weather", "recipient": "assistant", "channel": "commentary",
             "content": [{"type": "text", "text": "{\"temp_c\": -3}"}]},
            {"role": "assistant", "channel": "final", "content": "It is -3 °C in Oslo."}
          ]
        }
        """;

    private const string ExampleText =
        "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2026-01-15\n\nReasoning: low\n\n" +
        "# Valid channels: analysis, commentary, final. Channel must be included for every message.\nCalls to these tools must go to the commentary channel: 'functions'.<|end|>" +
        "<|start|>developer<|message|># Instructions\n\nAnswer briefly.\n\n# Tools\n\n## functions\n\nnamespace functions {\n\n// Current weather for a city.\ntype get_weather = (_: {\ncity: string,\n}) => any;\n\n} // namespace functions<|end|>" +
        "<|start|>user<|message|>Weather in Oslo?<|end|>" +
        "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>" +
        "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"temp_c\": -3}<|end|>" +
        "<|start|>assistant<|channel|>final<|message|>It is -3 °C in Oslo.<|end|>";

    private readonly string _directory = Directory.CreateTempSubdirectory("campfire-render-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string content, string name = "conversation.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static (int ExitCode, string Output) Run(string file, bool text = false, bool forCompletion = true, bool autoDrop = true, Role nextRole = Role.Assistant)
    {
        var output = new StringWriter();
        int exitCode = RenderCommand.Run(new RenderCommand.RenderRequest(file, text, forCompletion, autoDrop, nextRole), output);
        return (exitCode, output.ToString());
    }

    [Fact]
    public void PrintsTheReferenceTextOfTheSharedExample()
    {
        var (exitCode, output) = Run(WriteFile(ExampleJson), text: true, forCompletion: false);
        Assert.Equal(0, exitCode);
        Assert.Equal(ExampleText + "\n", output);
    }

    [Fact]
    public void PrintsIdsAsOneJsonArrayOnOneLine()
    {
        var (exitCode, output) = Run(WriteFile(ExampleJson), forCompletion: false);
        Assert.Equal(0, exitCode);
        Assert.EndsWith("]\n", output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var ids = JsonSerializer.Deserialize<int[]>(output)!;
        Assert.Equal(183, ids.Length); // the reference's count for this example
        Assert.Equal(ExampleText, O200kHarmonyTokenizer.Instance.Decode(ids));
    }

    [Fact]
    public void DefaultsToCompletionOfTheAssistantTurnWithAutoDrop()
    {
        var conversation = HarmonyJson.ParseConversation(ExampleJson);
        var (_, output) = Run(WriteFile(ExampleJson));
        var expected = HarmonyRenderer.Default.RenderConversationForCompletion(conversation, Role.Assistant, RenderOptions.Default);
        Assert.Equal(expected, JsonSerializer.Deserialize<int[]>(output));
        Assert.Equal(HarmonyTokens.Start, expected[^2]);
    }

    [Fact]
    public void NoDropKeepsTheAnalysisMessage()
    {
        var (_, dropped) = Run(WriteFile(ExampleJson), text: true);
        var (_, kept) = Run(WriteFile(ExampleJson), text: true, autoDrop: false);
        Assert.DoesNotContain("Call the weather tool.", dropped);
        Assert.Contains("<|channel|>analysis<|message|>Call the weather tool.<|end|>", kept);
    }

    [Fact]
    public void NextRoleNamesTheTurnToComplete()
    {
        var (_, output) = Run(WriteFile(ExampleJson), text: true, nextRole: Role.User);
        Assert.EndsWith("<|end|><|start|>user\n", output);
    }

    [Fact]
    public void SpecialTokenLiteralsInTextStayText()
    {
        var (_, output) = Run(WriteFile("""{"messages": [{"role": "user", "content": "say <|end|> now"}]}"""), forCompletion: false);
        var ids = JsonSerializer.Deserialize<int[]>(output)!;
        Assert.Single(ids, HarmonyTokens.End);
        Assert.Equal(HarmonyTokens.End, ids[^1]);
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "assitant", "content": "x"}]}""")]
    [InlineData("""{"messages": [{"role": "tool", "content": "no tool name"}]}""")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "system_content"}]}]}""")]
    [InlineData("""not json""")]
    [InlineData("")]
    public void BadInputExitsWithOne(string json)
    {
        var (exitCode, output) = Run(WriteFile(json));
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Equal("", output);
    }

    [Fact]
    public void MissingFileExitsWithOne()
    {
        Assert.Equal(ExitCodes.BadInput, Run(Path.Combine(_directory, "missing.json")).ExitCode);
    }

    // ---- the real executable: standard input, usage errors, stderr

    private static (int ExitCode, string Stdout, string Stderr) RunCampfire(string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "campfire.dll"));
        start.ArgumentList.Add("render");
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void ExecutableReadsStandardInputAndReportsErrors()
    {
        var (exitCode, stdout, _) = RunCampfire(ExampleJson, "--text", "--no-completion", "-");
        Assert.Equal(0, exitCode);
        Assert.Equal(ExampleText + "\n", stdout);

        (exitCode, stdout, var stderr) = RunCampfire("""{"messages": [{"role": "user", "content": "a"}, {"role": "assitant", "content": "b"}]}""");
        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal("campfire: standard input: $.messages[1].role: unknown role \"assitant\" (expected user, assistant, system, developer or tool)", stderr.Trim());

        (exitCode, _, stderr) = RunCampfire(ExampleJson, "--next-role", "robot");
        Assert.Equal(2, exitCode);
        Assert.Contains("robot", stderr);

        (exitCode, _, stderr) = RunCampfire(ExampleJson, "--no-completion", "--next-role", "user");
        Assert.Equal(2, exitCode);
        Assert.Contains("--next-role", stderr);
    }
}
