using System.Runtime.CompilerServices;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Tests.Engine;

/// <summary>The engine keeps its conversation rendered between turns; whatever changes it, the prompt must equal a
/// fresh rendering byte for byte, and the generator is told how much of the prompt it already holds.</summary>
public sealed class LivingConversationTests
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
    private const string CallTurn =
        "<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>";
    private const string AnswerTurn = "<|channel|>final<|message|>It is -3 °C in Oslo.<|return|>";

    private static int[] Ids(string harmony) => O200kHarmonyTokenizer.Instance.EncodeToIds(harmony, allowSpecialTokens: true);

    private static HarmonyEngine NewEngine(bool autoDrop = true)
    {
        var engine = new HarmonyEngine(new HarmonyEngineOptions { ConversationStartDate = "2026-11-25", AutoDropAnalysis = autoDrop });
        engine.RegisterTool(ToolConfig.Function("get_weather", "Current weather.", Schema, (_, _) => ValueTask.FromResult("""{"temp_c": -3}""")));
        engine.AddMessage(engine.CreateSystemMessage("Answer briefly."));
        return engine;
    }

    /// <summary>What a brand-new renderer makes of the engine's conversation.</summary>
    private static int[] FreshRender(HarmonyEngine engine) =>
        new HarmonyRenderer(O200kHarmonyTokenizer.Instance, cacheMessageTokens: false).RenderConversationForCompletion(
            engine.ToHarmonyConversation(), Role.Assistant, engine.Options.AutoDropAnalysis ? RenderOptions.Default : RenderOptions.KeepAnalysis);

    private static async Task RunTurn(HarmonyEngine engine, string user, params string[] completions)
    {
        engine.AddMessage(engine.CreateUserMessage(user));
        await foreach (var _ in engine.RunAsync(new RecordingGenerator(completions.Select(Ids).ToArray()))) { }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Trimming_then_rendering_equals_a_fresh_render_byte_for_byte(bool autoDrop)
    {
        var engine = NewEngine(autoDrop);
        for (var turn = 0; turn < 6; turn++)
        {
            await RunTurn(engine, $"Weather in Oslo, turn {turn}? Как погода? 天気は？", CallTurn, AnswerTurn);
            Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
            engine.HandleMultiTurnConversation($"And tomorrow ({turn})?", maxHistory: 5);
            Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
            engine.TrimHistory(3);
            Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
        }
    }

    [Fact]
    public async Task Clearing_registering_tools_and_adding_instructions_keep_the_rendering_equal_to_a_fresh_render()
    {
        var engine = NewEngine();
        await RunTurn(engine, "Weather in Oslo?", CallTurn, AnswerTurn);
        engine.RegisterTool(ToolConfig.Function("get_time", "Current time.", null));
        Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
        engine.AddMessage(engine.CreateDeveloperMessage("Use metric units."));
        Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
        engine.ClearConversation();
        Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
        await RunTurn(engine, "Weather in Bergen?", AnswerTurn);
        Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
        engine.ClearConversation(keepInstructions: false);
        Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Truncating_to_any_earlier_point_then_going_on_renders_as_a_fresh_engine_would(bool autoDrop)
    {
        var engine = NewEngine(autoDrop);
        for (var turn = 0; turn < 4; turn++)
            await RunTurn(engine, $"Weather in Oslo, turn {turn}? Как погода? 天気は？", CallTurn, AnswerTurn);
        engine.AddMessage(engine.CreateDeveloperMessage("Use metric units."));
        var all = engine.Messages.ToArray();
        for (var keep = all.Length; keep >= 0; keep--)
        {
            engine.AddMessages(all[engine.Messages.Count..]);
            Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
            engine.TruncateConversation(keep);
            Assert.Equal(all[..keep], engine.Messages);
            Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
            await RunTurn(engine, $"After keeping {keep}?", AnswerTurn);
            Assert.Equal(FreshRender(engine), engine.RenderConversation().PrefillIds.ToArray());
            engine.TruncateConversation(keep);
        }
    }

    [Fact]
    public async Task Truncating_then_running_again_tells_the_generator_only_the_kept_prefix_is_unchanged()
    {
        var engine = NewEngine(autoDrop: false);
        engine.AddMessage(engine.CreateUserMessage("Weather in Oslo?"));
        var generator = new RecordingGenerator([Ids(AnswerTurn), Ids(AnswerTurn), Ids(AnswerTurn)]);
        await foreach (var _ in engine.RunAsync(generator)) { }
        var kept = engine.Messages.Count - 1;
        engine.TruncateConversation(kept);   // the answer is gone: the same question again
        await foreach (var _ in engine.RunAsync(generator)) { }

        var (first, _) = generator.Requests[0];
        var (again, unchanged) = generator.Requests[1];
        Assert.Equal(first, again);
        Assert.Equal(again.Length, unchanged);

        engine.TruncateConversation(kept);
        engine.AddMessage(engine.CreateUserMessage("And in Bergen?"));
        await foreach (var _ in engine.RunAsync(generator)) { }
        var (third, afterEdit) = generator.Requests[2];
        int[] held = [.. again, .. Ids(AnswerTurn)];
        Assert.Equal(third.AsSpan().CommonPrefixLength(held), afterEdit);
    }

    [Fact]
    public void Truncating_outside_the_conversation_is_refused()
    {
        var engine = NewEngine();
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.TruncateConversation(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.TruncateConversation(-1));
        Assert.Single(engine.Messages);
    }

    [Fact]
    public async Task The_second_round_tells_the_generator_how_much_of_the_prompt_it_already_holds()
    {
        var engine = NewEngine(autoDrop: false);
        engine.AddMessage(engine.CreateUserMessage("Weather in Oslo?"));
        var generator = new RecordingGenerator([Ids(CallTurn), Ids(AnswerTurn)]);
        await foreach (var _ in engine.RunAsync(generator)) { }

        Assert.Equal(2, generator.Requests.Count);
        Assert.Equal(0, generator.Requests[0].Unchanged);
        int[] held = [.. generator.Requests[0].Prompt, .. Ids(CallTurn)];
        var (prompt, unchanged) = generator.Requests[1];
        // The previous prompt and what the model wrote, as far as the re-rendering agrees with it (the call's header is
        // rendered recipient first, as the reference writes it): a few dozen ids are new, not the whole prompt.
        Assert.Equal(prompt.AsSpan().CommonPrefixLength(held), unchanged);
        Assert.True(unchanged > generator.Requests[0].Prompt.Length);
        Assert.True(prompt.Length - unchanged < 60, $"{prompt.Length - unchanged} of {prompt.Length} ids are new");
    }

    [Fact]
    public async Task Auto_drop_changing_earlier_tokens_lowers_the_unchanged_prefix_to_where_they_change()
    {
        var engine = NewEngine(autoDrop: true);
        engine.AddMessage(engine.CreateUserMessage("Weather in Oslo?"));
        var generator = new RecordingGenerator([Ids(CallTurn), Ids(AnswerTurn)]);
        await foreach (var _ in engine.RunAsync(generator)) { }
        engine.AddMessage(engine.CreateUserMessage("And tomorrow?"));
        var next = new RecordingGenerator([Ids(AnswerTurn)]);
        await foreach (var _ in engine.RunAsync(next)) { }
        // A fresh generator holds nothing.
        Assert.Equal(0, next.Requests[0].Unchanged);

        var again = NewEngine(autoDrop: true);
        again.AddMessage(again.CreateUserMessage("Weather in Oslo?"));
        var shared = new RecordingGenerator([Ids(CallTurn), Ids(AnswerTurn), Ids(AnswerTurn)]);
        await foreach (var _ in again.RunAsync(shared)) { }
        again.AddMessage(again.CreateUserMessage("And tomorrow?"));
        await foreach (var _ in again.RunAsync(shared)) { }
        var (previous, _) = shared.Requests[1];
        var (prompt, unchanged) = shared.Requests[2];
        int[] held = [.. previous, .. Ids(AnswerTurn)];
        // The final answer dropped the analysis of the first round: the prefix ends where it was.
        Assert.Equal(prompt.AsSpan().CommonPrefixLength(held), unchanged);
        Assert.True(unchanged < previous.Length);
    }

    [Fact]
    public void An_engine_turn_on_a_long_history_allocates_at_most_16_KB()
    {
        var engine = NewEngine();
        var filler = string.Join(' ', Enumerable.Repeat("Der Wind weht kalt über den Fjord; 風が強い; ветер дует.", 40));
        for (var i = 0; i < 20; i++)
        {
            engine.AddMessage(engine.CreateUserMessage($"Question {i}: {filler}"));
            var call = engine.CreateToolCall("functions.get_weather", """{"city": "Oslo"}""");
            engine.AddMessage(engine.CreateAssistantMessage("", [call]));
            engine.AddMessage(engine.CreateToolMessage(new ToolResult(call.CallId, call.Recipient, filler)));
            engine.AddMessage(new HarmonyMessage(HarmonyRole.Assistant, $"Answer {i}: {filler}") { Channel = "final" });
        }
        Assert.True(engine.Messages.Count > 80);
        Assert.True(engine.RenderConversation().PrefillIds.Length > 24_000);
        var answer = Ids("<|channel|>final<|message|>" + string.Concat(Enumerable.Repeat(" word", 60)) + "<|return|>");
        var generator = new ReplayGenerator(answer);

        // Warm: the first turns size the engine's buffers.
        for (var i = 0; i < 3; i++) Assert.True(Turn(engine, generator).IsCompletedSuccessfully);
        var before = GC.GetAllocatedBytesForCurrentThread();
        const int turns = 8;
        var completed = 0;
        for (var i = 0; i < turns; i++) completed += Turn(engine, generator).IsCompletedSuccessfully ? 1 : 0;
        var perTurn = (GC.GetAllocatedBytesForCurrentThread() - before) / turns;
        Assert.Equal(turns, completed); // synchronous: every byte was allocated on this thread
        Assert.True(perTurn <= 16 * 1024, $"{perTurn} B per turn");

        static async Task Turn(HarmonyEngine engine, ReplayGenerator generator)
        {
            engine.AddMessage(engine.CreateUserMessage("Und morgen?"));
            await foreach (var _ in engine.RunAsync(generator)) { }
        }
    }

    [Fact]
    public async Task Engines_with_the_same_content_share_their_harmony_messages_and_still_render_exactly()
    {
        var first = NewEngine();
        await RunTurn(first, "Weather in Oslo? Погода?", CallTurn, AnswerTurn);
        var second = NewEngine();
        second.AddMessages(first.Messages.Skip(1));
        var rendered = second.RenderConversation().PrefillIds.ToArray();
        Assert.Equal(FreshRender(second), rendered);
        Assert.Equal(first.RenderConversation().PrefillIds.ToArray(), rendered);
        Assert.Same(MessageInterner.Intern(Message.User("shared text")), MessageInterner.Intern(Message.User("shared text")));
        Assert.NotSame(MessageInterner.Intern(Message.User("shared text")), MessageInterner.Intern(Message.User("shared text").WithChannel("x")));

        // A different tool schema is a different header.
        var other = new HarmonyEngine(new HarmonyEngineOptions { ConversationStartDate = "2026-11-25" });
        other.RegisterTool(ToolConfig.Function("get_weather", "Current weather.", """{"type":"object","properties":{"town":{"type":"string"}}}"""));
        other.AddMessage(other.CreateSystemMessage("Answer briefly."));
        Assert.Equal(FreshRender(other), other.RenderConversation().PrefillIds.ToArray());
    }

    /// <summary>Replays completions and records each request's prompt and unchanged prefix.</summary>
    private sealed class RecordingGenerator(int[][] completions) : ITokenGenerator
    {
        private int _next;

        public List<(int[] Prompt, int Unchanged)> Requests { get; } = [];

        public IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens,
            GenerationOptions options, CancellationToken cancellationToken = default) =>
            GenerateAsync(new TokenGenerationRequest(prompt, stopTokens, options), cancellationToken);

        public IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add((request.Prompt.ToArray(), request.UnchangedPrefixLength));
            return Replay(completions[_next++]);
        }

        private static async IAsyncEnumerable<int> Replay(int[] tokens)
        {
            foreach (var token in tokens) yield return token;
            await Task.CompletedTask;
        }
    }

    /// <summary>Replays one completion every call, synchronously and without copying the prompt.</summary>
    private sealed class ReplayGenerator(int[] completion) : ITokenGenerator
    {
        public async IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens,
            GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var token in completion) yield return token;
            await Task.CompletedTask;
        }
    }
}
