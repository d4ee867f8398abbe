using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Tests.Engine;

/// <summary>The engine used as a reader of the seed writes it: calls as recipient prefix plus method, results that
/// must answer a real call, and multi-turn trimming by whole exchanges.</summary>
public sealed class SeedApiTests
{
    [Fact]
    public async Task A_call_written_as_prefix_and_method_renders_and_executes_as_the_full_recipient()
    {
        var engine = new HarmonyEngine();
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        engine.RegisterTool(browser.CreateConfig());
        engine.AddMessage(engine.CreateUserMessage("burns?"));
        var call = new ToolCall("browser", "search", """{"query":"burn"}""", "search_1");
        var assistant = engine.CreateAssistantMessage("", [call]);
        Assert.Equal("browser.search", Assert.Single(assistant.ToolCalls).Recipient);
        engine.AddMessage(assistant);
        var result = engine.CreateToolMessage(new ToolResult("search_1", "browser.search", "[0] Burns"));
        engine.AddMessage(result);
        var rendered = engine.ToHarmonyConversation().Messages;
        Assert.Contains(rendered, m => m.Recipient == "browser.search" && m.Channel == "analysis");
        Assert.Equal("analysis", result.Channel ?? rendered[^1].Channel);

        // Added directly (not through CreateAssistantMessage) it is taken the same way, and the model's run executes it.
        var direct = new HarmonyEngine();
        direct.RegisterTool(browser.CreateConfig());
        direct.AddMessage(direct.CreateUserMessage("burns?"));
        direct.AddMessage(new HarmonyMessage(HarmonyRole.Assistant, "") { ToolCalls = [call] });
        Assert.Equal("browser.search", direct.Messages[^1].ToolCalls[0].Recipient);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>analysis to=browser.search<|message|>{\"query\":\"burn\"}<|call|>",
            "<|channel|>final<|message|>Cool it.<|return|>");
        ToolCallFinished? finished = null;
        await foreach (var e in direct.RunAsync(model)) finished ??= e as ToolCallFinished;
        Assert.NotNull(finished);
        Assert.False(finished.Result.IsError, finished.Result.Content);
    }

    [Fact]
    public void A_method_that_disagrees_with_the_recipient_is_refused()
    {
        var engine = new HarmonyEngine();
        var bad = new ToolCall("browser.search", "open", "{}", "x_1");
        var error = Assert.Throws<EngineMessageException>(() => engine.CreateAssistantMessage("", [bad]));
        Assert.Contains("open", error.Message);
        Assert.Contains("browser.search", error.Message);
        Assert.Throws<EngineMessageException>(() => engine.AddMessage(new HarmonyMessage(HarmonyRole.Assistant, "") { ToolCalls = [bad] }));
        Assert.Empty(engine.Messages);
        // Agreeing forms are fine.
        engine.CreateAssistantMessage("", [new ToolCall("browser.search", "search", "{}", "a"), ToolCall.FromRecipient("functions.f", "{}", "b")]);
    }

    [Fact]
    public void A_result_for_a_call_id_that_was_never_made_is_refused()
    {
        var engine = new HarmonyEngine();
        var error = Assert.Throws<EngineMessageException>(() => engine.CreateToolMessage(new ToolResult("nope_7", "functions.f", "{}")));
        Assert.Contains("nope_7", error.Message);
        var call = engine.CreateToolCall("functions.f", "{}");
        Assert.Equal(call.CallId, engine.CreateToolMessage(new ToolResult(call.CallId, "functions.f", "{}")).CallId);
    }

    [Fact]
    public void Multi_turn_trimming_keeps_whole_exchanges()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(ToolConfig.Function("f", "d", null));
        engine.AddMessage(engine.CreateSystemMessage("be brief"));
        for (var i = 0; i < 4; i++)
        {
            engine.HandleMultiTurnConversation($"question {i}", maxHistory: 5);
            var call = engine.CreateToolCall("functions.f", "{}");
            engine.AddMessage(engine.CreateAssistantMessage("", [call]));
            engine.AddMessage(engine.CreateToolMessage(new ToolResult(call.CallId, "functions.f", "{}")));
            engine.AddMessage(engine.CreateAssistantMessage($"answer {i}"));
        }
        engine.HandleMultiTurnConversation("question 4", maxHistory: 5);
        // Exchanges of four messages: the previous one (4) and the new question (1) fit in 5.
        Assert.Equal(["be brief", "question 3", "", "{}", "answer 3", "question 4"], engine.Messages.Select(m => m.Content));

        engine.HandleMultiTurnConversation("question 5", maxHistory: 2);
        // The previous exchange would not fit whole, so it goes: never an answer without its question.
        Assert.Equal(["be brief", "question 4", "question 5"], engine.Messages.Select(m => m.Content));
        Assert.Equal(HistoryTrimmer.TrimExchanges(engine.Messages, 2), engine.Messages);
    }
}
