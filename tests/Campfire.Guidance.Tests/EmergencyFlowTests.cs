using Campfire.Harmony.Engine;
using Campfire.Harmony.Tools;

namespace Campfire.Guidance.Tests;

public sealed class EmergencyFlowTests
{
    private static async Task<List<EngineEvent>> RunDemo(HarmonyEngine engine, ITokenGenerator generator)
    {
        var events = new List<EngineEvent>();
        await foreach (var e in EmergencyGuidance.AskAsync(engine, generator, EmergencyDemo.Question)) events.Add(e);
        return events;
    }

    [Fact]
    public async Task Demo_script_searches_opens_and_answers_with_citations_that_resolve()
    {
        using var backend = SampleCorpus.BuildBackend();
        var engine = EmergencyGuidance.CreateEngine(backend, new EmergencyGuidanceOptions { ConversationStartDate = "2026-11-25" });
        var events = await RunDemo(engine, EmergencyDemo.CreateScriptedModel());

        var calls = events.OfType<ToolCallFinished>().ToList();
        Assert.Equal(["browser.search", "browser.open"], calls.Select(c => c.Call.Recipient));
        Assert.All(calls, c => Assert.False(c.Result.IsError, c.Result.Content));
        Assert.StartsWith("[0] someone is choking what to do", calls[0].Result.Content);
        Assert.Contains("【0†Choking: adults and children over one year†choking.md】", calls[0].Result.Content);
        Assert.StartsWith("[1] Choking: adults and children over one year (corpus/choking.md)\n**viewing lines [0 - ", calls[1].Result.Content);

        var final = Assert.Single(events.OfType<FinalAnswer>());
        Assert.Equal(EmergencyDemo.Answer, final.Message.Content);
        Assert.EndsWith(EmergencyGuidance.SafetyNote, final.DisplayText);
        Assert.Equal(8, final.Citations.Length);
        Assert.All(final.Citations, c => Assert.True(c.IsValid, c.ToString()));
        Assert.All(final.Citations, c => Assert.Equal("choking", c.DocumentId));
        Assert.Contains("back blows", final.Citations[2].CitedText);
        Assert.Contains("abdominal thrusts", final.Citations[3].CitedText);
        Assert.Contains("start CPR", final.Citations[5].CitedText);
        Assert.Empty(events.OfType<CitationProblem>());
        Assert.Empty(events.OfType<ParseDiagnostic>());

        var completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(StopReason.FinalAnswer, completed.Reason);
        Assert.Equal(3, completed.Usage.Rounds);
        Assert.Equal(2, completed.Usage.ToolCalls);
        Assert.True(completed.Usage.PromptTokens > 0 && completed.Usage.CompletionTokens > 0);
        Assert.Empty(engine.GetConversationSummary().CitationProblems);
    }

    [Fact]
    public async Task Demo_script_stays_inside_the_grammar_of_a_constrained_run()
    {
        // The scripted model checks each of its tokens against the run's constraint and throws on the first refused one.
        using var backend = SampleCorpus.BuildBackend();
        var engine = EmergencyGuidance.CreateEngine(backend, new EmergencyGuidanceOptions { ConversationStartDate = "2026-11-25" });
        var events = new List<EngineEvent>();
        await foreach (var e in EmergencyGuidance.AskAsync(engine, EmergencyDemo.CreateScriptedModel(), EmergencyDemo.Question,
                           new EngineRunOptions { Constrain = true }))
            events.Add(e);

        Assert.Equal(["browser.search", "browser.open"], events.OfType<ToolCallFinished>().Select(c => c.Call.Recipient));
        Assert.Equal(EmergencyDemo.Answer, Assert.Single(events.OfType<FinalAnswer>()).Message.Content);
        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public async Task Streamed_deltas_spell_out_every_message_the_model_wrote()
    {
        using var backend = SampleCorpus.BuildBackend();
        var engine = EmergencyGuidance.CreateEngine(backend);
        var events = await RunDemo(engine, EmergencyDemo.CreateScriptedModel());
        var finalText = string.Concat(events.OfType<ContentDelta>().Where(d => d.Channel == "final").Select(d => d.Text));
        Assert.Equal(EmergencyDemo.Answer, finalText);
        var searchArgs = string.Concat(events.OfType<ContentDelta>().Where(d => d.Recipient == "browser.search").Select(d => d.Text));
        Assert.Equal("""{"query": "someone is choking what to do", "topn": 3}""", searchArgs);
    }

    [Fact]
    public void Emergency_engine_renders_instructions_and_the_browser_namespace()
    {
        using var backend = SampleCorpus.BuildBackend();
        var engine = EmergencyGuidance.CreateEngine(backend, new EmergencyGuidanceOptions { ConversationStartDate = "2026-11-25" });
        engine.AddMessage(engine.CreateUserMessage("Burn on my hand"));
        var text = Campfire.Harmony.Tokenization.O200kHarmonyTokenizer.Instance.Decode(engine.RenderConversation().PrefillIds.AsSpan());
        Assert.StartsWith("<|start|>system<|message|>You are ChatGPT", text);
        Assert.Contains("Current date: 2026-11-25", text);
        Assert.Contains("Reasoning: low", text);
        Assert.Contains("## browser", text);
        Assert.Contains("sources=first-aid-sample", text);
        Assert.Contains("<|start|>developer<|message|># Instructions\n\nYou are Campfire", text);
        Assert.EndsWith("<|start|>user<|message|>Burn on my hand<|end|><|start|>assistant", text);
    }
}
