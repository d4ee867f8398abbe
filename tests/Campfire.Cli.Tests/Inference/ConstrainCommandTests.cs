using System.Text.Json;
using Campfire.Cli.Tests.Errors;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Tests.Inference;

/// <summary>A tiny random checkpoint with the real o200k_harmony vocabulary and a conversation with a function tool.</summary>
public sealed class ConstrainFixture : IDisposable
{
    public ConstrainFixture()
    {
        Root = Directory.CreateTempSubdirectory("campfire-cli-constrain-").FullName;
        Model = Path.Combine(Root, "model");
        var made = Campfire.Run("", "make-tiny-model", Model, "--seed", "3");
        Assert.True(made.Code == 0, made.Err);
        Conversation = Path.Combine(Root, "conversation.json");
        var conversation = global::Campfire.Harmony.Model.Conversation.FromMessages(
            Message.System(SystemContent.Default),
            Message.Developer(DeveloperContent.Empty.WithTools(new ToolNamespaceConfig("functions", null,
                [new ToolDescription("get_weather", "Current weather for a city.",
                    """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""")]))),
            Message.User("Weather in Oslo?"));
        File.WriteAllText(Conversation, HarmonyJson.SerializeConversation(conversation));
        Prompt = JsonSerializer.Serialize(new HarmonyRenderer(O200kHarmonyTokenizer.Instance).RenderConversationForCompletion(conversation, Role.Assistant));
    }

    public string Root { get; }
    public string Model { get; }
    public string Conversation { get; }
    public string Prompt { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

public sealed class ConstrainCommandTests(ConstrainFixture fixture) : IClassFixture<ConstrainFixture>
{
    [Fact]
    public void Generate_with_constrain_writes_well_formed_harmony_and_the_profile_shows_the_mask_time()
    {
        var r = Campfire.Run(fixture.Prompt, "generate", "--model", fixture.Model, "--threads", "1", "--max-tokens", "24",
            "--temperature", "1", "--seed", "5", "--profile", "--constrain", fixture.Conversation);
        Assert.True(r.Code == 0, r.Err);
        Assert.Matches(@"mask us/token p50 \d+\.\d p99 \d+\.\d \(24 tokens", r.Err);
        var ids = JsonSerializer.Deserialize<int[]>(r.Out)!;
        Assert.Equal(24, ids.Length);
        // The strict streaming parser reads the whole prefix without an error, and at least one header completed.
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        int headers = 0;
        foreach (int id in ids)
            for (var kind = parser.Read(id); kind != HarmonyParserEventKind.None; kind = parser.Read())
                if (kind == HarmonyParserEventKind.HeaderComplete) headers++;
        Assert.True(headers >= 1, O200kHarmonyTokenizer.Instance.Decode(ids));
    }

    [Fact]
    public void Generate_with_constrain_refuses_bad_input_with_one_line_and_exit_1()
    {
        CampfireProcess.AssertFails(1,
            Campfire.Run("[1, 2, 3]", "generate", "--model", fixture.Model, "--constrain", fixture.Conversation),
            "--constrain", "<|start|>assistant");
        CampfireProcess.AssertFails(1,
            Campfire.Run(fixture.Prompt, "generate", "--model", fixture.Model, "--constrain", Path.Combine(fixture.Root, "missing.json")),
            "--constrain", "missing.json");
        string small = Path.Combine(fixture.Root, "small-vocabulary");
        Assert.Equal(0, Campfire.Run("", "make-tiny-model", small, "--vocab", "256").Code);
        CampfireProcess.AssertFails(1,
            Campfire.Run(fixture.Prompt, "generate", "--model", small, "--threads", "1", "--constrain", fixture.Conversation),
            "--constrain needs a model with the o200k_harmony vocabulary", "this one has 256");
    }

    [Fact]
    public void Chat_with_constrain_and_an_endpoint_is_a_usage_error()
    {
        var r = Campfire.Run("", "chat", "--endpoint", "http://127.0.0.1:9", "--constrain", "a question");
        Assert.Equal(2, r.Code);
        Assert.Contains("--constrain applies to a local --model only", r.Err);
        Assert.Contains("docs/scaling-out.md", r.Err);
        CampfireProcess.AssertNoStackTrace(r.Err);
    }

    [Fact]
    public void Chat_json_prints_the_engine_events_as_json_lines_and_a_constrained_run_needs_no_repairs()
    {
        var r = Campfire.Run("", "chat", "--model", fixture.Model, "--threads", "1", "--max-tokens", "40", "--temperature", "1",
            "--seed", "2", "--json", "--constrain", "My friend burned a hand");
        // A random model writes no final answer in 40 tokens: exit 1, and the reason on standard error.
        Assert.True(r.Code == 1, r.Err);
        Assert.EndsWith("campfire: chat: no final answer: the model reached --max-tokens before writing a final answer (raise --max-tokens)", r.Err.TrimEnd());
        var events = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var types = events.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Contains("content_delta", types);
        Assert.Equal("run_completed", types[^1]);
        // The only repair is the cut at --max-tokens itself (the parser keeps the unfinished message): nothing malformed.
        Assert.All(events.Where(e => e.GetProperty("type").GetString() == "parse_diagnostic"),
            e => Assert.Contains("token 40: Truncated", e.GetProperty("description").GetString()));
        CampfireProcess.AssertNoStackTrace(r.Err);
    }

    [Fact]
    public void Demo_with_constrain_checks_every_scripted_token_against_the_grammar_and_still_answers()
    {
        var r = Campfire.Run("", "demo", "--json", "--constrain");
        Assert.True(r.Code == 0, r.Err);
        var events = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.True(events[0].GetProperty("constrained").GetBoolean());
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "final_answer");
    }
}
