using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tools;
using static Campfire.Harmony.Tests.Engine.EngineTestKit;

namespace Campfire.Harmony.Tests.Engine;

public sealed class RunAsyncTests
{
    private const string WeatherCall =
        "<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>";
    private const string FinalAnswer = "<|channel|>final<|message|>It is -3 °C in Oslo.<|return|>";

    private static HarmonyEngine Engine(Func<ToolCall, CancellationToken, ValueTask<string>> handler)
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(ToolConfig.Function("get_weather", "Current weather.", WeatherSchema, handler));
        engine.AddMessage(engine.CreateSystemMessage("Answer briefly."));
        engine.AddMessage(engine.CreateUserMessage("Weather in Oslo?"));
        return engine;
    }

    [Fact]
    public async Task Tool_call_is_dispatched_appended_and_the_model_continues_to_the_answer()
    {
        ToolCall? seen = null;
        var engine = Engine((call, _) => { seen = call; return ValueTask.FromResult("""{"temp_c": -3}"""); });
        var model = ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer);
        var events = await Collect(engine.RunAsync(model));

        Assert.Equal("""{"city": "Oslo"}""", seen!.Args);
        var finished = Assert.Single(events.OfType<ToolCallFinished>());
        Assert.False(finished.Result.IsError);
        Assert.Equal("It is -3 °C in Oslo.", Assert.Single(events.OfType<FinalAnswer>()).DisplayText);
        var done = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((StopReason.FinalAnswer, 2, 1), (done.Reason, done.Usage.Rounds, done.Usage.ToolCalls));
        Assert.Equal(model.Prompts.Sum(p => p.Length), done.Usage.PromptTokens);

        // The second prompt carries the call and its result, rendered as Harmony expects.
        var secondPrompt = Decode(model.Prompts[1]);
        Assert.Contains("<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>", secondPrompt);
        Assert.Contains("<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"temp_c\": -3}<|end|><|start|>assistant", secondPrompt);
        Assert.Equal(
            [HarmonyRole.System, HarmonyRole.User, HarmonyRole.Assistant, HarmonyRole.Assistant, HarmonyRole.Tool, HarmonyRole.Assistant],
            engine.Messages.Select(m => m.Role));
    }

    [Fact]
    public async Task Events_arrive_in_order_for_each_round()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var events = await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer)));
        var kinds = events.Where(e => e is not ContentDelta).Select(e => e.GetType().Name).ToArray();
        Assert.Equal(
            ["MessageCompleted", "MessageCompleted", "ToolCallStarted", "ToolCallFinished", "UsageReport",
             "MessageCompleted", "FinalAnswer", "UsageReport", "RunCompleted"], kinds);
        Assert.All(events.Take(events.FindIndex(e => e is UsageReport)), e => Assert.Equal(1, e.Round));
        var deltas = events.OfType<ContentDelta>().Where(d => d.Round == 1).ToList();
        Assert.Equal("Need the weather.", string.Concat(deltas.Where(d => d.Channel == "analysis").Select(d => d.Text)));
        Assert.Equal("""{"city": "Oslo"}""", string.Concat(deltas.Where(d => d.Recipient == "functions.get_weather").Select(d => d.Text)));
    }

    [Fact]
    public async Task A_tool_that_throws_becomes_an_error_result_the_model_reads()
    {
        var engine = Engine((_, _) => throw new TimeoutException("weather service timed out"));
        var model = ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer);
        var events = await Collect(engine.RunAsync(model));
        var result = Assert.Single(events.OfType<ToolCallFinished>()).Result;
        Assert.True(result.IsError);
        Assert.Equal("""{"error":"TimeoutException: weather service timed out"}""", result.Content);
        Assert.Contains("TimeoutException: weather service timed out", Decode(model.Prompts[1]));
        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
        Assert.True(engine.Messages.Single(m => m.Role == HarmonyRole.Tool).IsError);
    }

    [Fact]
    public async Task Unknown_tools_and_bad_arguments_are_answered_with_errors_without_calling_handlers()
    {
        var calls = 0;
        var engine = Engine((_, _) => { calls++; return ValueTask.FromResult("{}"); });
        var unknown = await engine.ExecuteToolCallAsync(engine.CreateToolCall("functions.nope", "{}"));
        Assert.True(unknown.IsError);
        Assert.Contains("Unknown tool `functions.nope`. Available tools: functions.get_weather.", unknown.Content);
        var badJson = await engine.ExecuteToolCallAsync(engine.CreateToolCall("functions.get_weather", "{city: Oslo"));
        Assert.True(badJson.IsError);
        Assert.Contains("must be a JSON object", badJson.Content);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task A_tool_without_handler_is_reported_to_the_model()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(ToolConfig.Function("later", "not wired", null));
        var result = await engine.ExecuteToolCallAsync(engine.CreateToolCall("functions.later", "{}"));
        Assert.True(result.IsError);
        Assert.Contains("not available", result.Content);
    }

    [Fact]
    public async Task Tool_rounds_are_bounded()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var model = ScriptedTokenGenerator.FromHarmonyText(WeatherCall, WeatherCall, WeatherCall, FinalAnswer);
        var events = await Collect(engine.RunAsync(model, new EngineRunOptions { MaxToolRounds = 2 }));
        var done = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(StopReason.ToolRoundLimit, done.Reason);
        Assert.Equal(2, events.OfType<ToolCallFinished>().Count());
        Assert.Equal(3, model.TurnsPlayed);
        Assert.Empty(events.OfType<FinalAnswer>());
    }

    [Fact]
    public async Task Max_tokens_cut_is_reported()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var model = ScriptedTokenGenerator.FromHarmonyText("<|channel|>final<|message|>This answer is much longer than five tokens.<|return|>");
        var events = await Collect(engine.RunAsync(model, new EngineRunOptions { Generation = new GenerationOptions { MaxTokens = 5 } }));
        Assert.Equal(StopReason.MaxTokens, Assert.IsType<RunCompleted>(events[^1]).Reason);
        Assert.Contains(events.OfType<ParseDiagnostic>(), d => d.Description.Contains("input ended inside the content", StringComparison.Ordinal));
        Assert.Empty(events.OfType<FinalAnswer>());
    }

    [Fact]
    public async Task Malformed_output_is_repaired_and_reported_not_fatal()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var model = ScriptedTokenGenerator.FromHarmonyText("stray text<|start|>assistant<|channel|>final<|message|>Fine.<|return|>");
        var events = await Collect(engine.RunAsync(model));
        Assert.Contains(events.OfType<ParseDiagnostic>(), d => d.Description.Length > 0);
        Assert.Equal("Fine.", Assert.Single(events.OfType<FinalAnswer>()).Message.Content);
    }

    [Fact]
    public async Task Cancellation_stops_generation_promptly()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var script = Encode(FinalAnswer + string.Concat(Enumerable.Repeat(" more", 2000)));
        var model = new CountingGenerator(new ScriptedTokenGenerator([script]) { TokenDelay = TimeSpan.FromMilliseconds(5) });
        using var cancellation = new CancellationTokenSource();
        var seen = 0;
        var pulledAtCancel = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in engine.RunAsync(model, cancellationToken: cancellation.Token))
            {
                if (e is ContentDelta && ++seen == 3)
                {
                    pulledAtCancel = model.Pulled;
                    cancellation.Cancel();
                }
            }
        });
        Assert.Equal(3, seen);
        // Promptly in tokens, not in wall-clock time (which a loaded machine stretches): the model is asked for at
        // most one more token after the cancellation, not for the rest of its 2,000-token answer.
        Assert.InRange(model.Pulled, pulledAtCancel, pulledAtCancel + 1);
        Assert.True(pulledAtCancel < 20, $"{pulledAtCancel} tokens pulled before the third content delta");
    }

    /// <summary>Counts the tokens the engine pulled from the model.</summary>
    private sealed class CountingGenerator(ITokenGenerator inner) : ITokenGenerator
    {
        private int _pulled;

        public int Pulled => Volatile.Read(ref _pulled);

        public async IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens,
            GenerationOptions options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var id in inner.GenerateAsync(prompt, stopTokens, options, cancellationToken).WithCancellation(cancellationToken))
            {
                Interlocked.Increment(ref _pulled);
                yield return id;
            }
        }
    }

    [Fact]
    public async Task Cancellation_reaches_a_running_tool()
    {
        var started = new TaskCompletionSource();
        var engine = Engine(async (_, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        using var cancellation = new CancellationTokenSource();
        var run = Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer), cancellationToken: cancellation.Token));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.DoesNotContain(engine.Messages, m => m.Role == HarmonyRole.Tool);
    }

    [Fact]
    public async Task A_tool_cancelling_on_its_own_is_an_error_result_not_a_cancelled_run()
    {
        var engine = Engine((_, _) => throw new OperationCanceledException("upstream gave up"));
        var events = await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer)));
        Assert.True(Assert.Single(events.OfType<ToolCallFinished>()).Result.IsError);
        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public async Task Final_answer_note_is_appended_for_display_only()
    {
        var engine = new HarmonyEngine(new HarmonyEngineOptions { FinalAnswerNote = "Call for help." });
        engine.AddMessage(engine.CreateUserMessage("hi"));
        var events = await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(FinalAnswer)));
        var final = Assert.Single(events.OfType<FinalAnswer>());
        Assert.Equal("It is -3 °C in Oslo.\n\nCall for help.", final.DisplayText);
        Assert.Equal("It is -3 °C in Oslo.", engine.Messages[^1].Content);
    }

    [Fact]
    public async Task Without_delta_streaming_the_results_are_the_same()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var events = await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer), new EngineRunOptions { StreamDeltas = false }));
        Assert.Empty(events.OfType<ContentDelta>());
        Assert.Single(events.OfType<FinalAnswer>());
    }

    [Fact]
    public async Task Running_past_the_script_is_a_clear_error()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        var error = await Assert.ThrowsAsync<ScriptExhaustedException>(() => Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(WeatherCall))));
        Assert.Equal(1, error.Turns);
    }

    [Fact]
    public async Task Conversation_usage_accumulates_over_runs()
    {
        var engine = Engine((_, _) => ValueTask.FromResult("{}"));
        await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(WeatherCall, FinalAnswer)));
        engine.AddMessage(engine.CreateUserMessage("And tomorrow?"));
        await Collect(engine.RunAsync(ScriptedTokenGenerator.FromHarmonyText(FinalAnswer)));
        var usage = engine.GetConversationSummary().Usage;
        Assert.Equal(3, usage.Rounds);
        Assert.Equal(1, usage.ToolCalls);
    }
}
