using System.Text.Json;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Engine;
using static Campfire.Harmony.Tests.Engine.EngineTestKit;

namespace Campfire.Harmony.Tests.Engine;

public sealed class EngineEventJsonTests
{
    [Fact]
    public async Task Every_event_of_a_run_is_one_json_object_with_its_type()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(Campfire.Harmony.Tools.ToolConfig.Function("f", "d", null, (_, _) => ValueTask.FromResult("ok")));
        engine.AddMessage(engine.CreateUserMessage("hi"));
        var events = await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary to=functions.f <|constrain|>json<|message|>{}<|call|>",
            "<|channel|>final<|message|>done 【0†L1】<|return|>")));
        var types = new HashSet<string>();
        foreach (var e in events)
        {
            using var document = JsonDocument.Parse(EngineEventJson.ToJson(e));
            types.Add(document.RootElement.GetProperty("type").GetString()!);
            Assert.Equal(e.Round, document.RootElement.GetProperty("round").GetInt32());
        }
        Assert.Superset(new HashSet<string> { "content_delta", "message", "tool_call_started", "tool_call_finished", "citation_problem", "final_answer", "usage", "run_completed" }, types);
        var final = JsonDocument.Parse(EngineEventJson.ToJson(events.OfType<FinalAnswer>().Single())).RootElement;
        Assert.Equal("done 【0†L1】", final.GetProperty("text").GetString());
        Assert.Equal("PageNotOpened", final.GetProperty("citations")[0].GetProperty("status").GetString());
        var completed = JsonDocument.Parse(EngineEventJson.ToJson(events[^1])).RootElement;
        Assert.Equal("FinalAnswer", completed.GetProperty("stop_reason").GetString());
        Assert.True(completed.GetProperty("completion_tokens").GetInt32() > 0);
    }
}
