using System.ComponentModel;
using System.Text.Json;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Tokenization;
using Microsoft.Extensions.AI;

namespace Campfire.Extensions.AI.Tests;

public sealed class HarmonyChatClientTests
{
    private const string ReasonThenAnswer =
        "<|channel|>analysis<|message|>User greets. Reply briefly.<|end|><|start|>assistant<|channel|>final<|message|>Hello! How can I help?<|return|>";

    private const string WeatherCall =
        "<|channel|>analysis<|message|>Need the weather tool.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Tokyo\"}<|call|>";

    private const string WeatherAnswer =
        "<|channel|>final<|message|>It is sunny in Tokyo, 21 degrees.<|return|>";

    private static readonly HarmonyChatClientOptions Options = new() { ConversationStartDate = "2026-11-25", ModelId = "gpt-oss-test" };

    private static string Decode(IEnumerable<int> ids) => O200kHarmonyTokenizer.Instance.Decode([.. ids]);

    /// <summary>Wraps a generator and remembers the options and prompts it was given.</summary>
    private sealed class RecordingGenerator(ITokenGenerator inner) : ITokenGenerator
    {
        public List<GenerationOptions> Options { get; } = [];
        public List<int[]> Prompts { get; } = [];
        public List<int[]> StopTokens { get; } = [];

        public IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens, GenerationOptions options,
            CancellationToken cancellationToken = default)
        {
            Options.Add(options);
            Prompts.Add(prompt.ToArray());
            StopTokens.Add(stopTokens.ToArray());
            return inner.GenerateAsync(prompt, stopTokens, options, cancellationToken);
        }
    }

    [Fact]
    public async Task Reasoning_and_answer_come_back_as_reasoning_and_text_with_usage()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer));
        using var client = new HarmonyChatClient(generator, Options);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Hi!")]);

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal("User greets. Reply briefly.", Assert.Single(message.Contents.OfType<TextReasoningContent>()).Text);
        Assert.Equal("Hello! How can I help?", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("gpt-oss-test", response.ModelId);
        var completion = O200kHarmonyTokenizer.Instance.EncodeToIds(ReasonThenAnswer, allowSpecialTokens: true);
        Assert.NotNull(response.Usage);
        Assert.Equal(generator.Prompts[0].Length, response.Usage.InputTokenCount);
        Assert.Equal(completion.Length, response.Usage.OutputTokenCount);
        Assert.Equal(generator.Prompts[0].Length + completion.Length, response.Usage.TotalTokenCount);
        Assert.InRange(response.Usage.ReasoningTokenCount ?? 0, 1, completion.Length);

        var prompt = Decode(generator.Prompts[0]);
        Assert.StartsWith("<|start|>system<|message|>You are ChatGPT", prompt);
        Assert.Contains("Current date: 2026-11-25", prompt);
        Assert.Contains("Reasoning: medium", prompt);
        Assert.Contains("<|start|>developer<|message|># Instructions\n\nBe brief.<|end|>", prompt);
        Assert.EndsWith("<|start|>user<|message|>Hi!<|end|><|start|>assistant", prompt);
        Assert.Equal([200002, 200012], generator.StopTokens[0]);
    }

    [Fact]
    public async Task Streaming_yields_reasoning_deltas_before_text_deltas_and_ends_with_usage()
    {
        using var client = new HarmonyChatClient(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer), Options);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi!")]))
            updates.Add(update);

        var kinds = updates.SelectMany(u => u.Contents).Select(c => c.GetType()).ToList();
        var lastReasoning = kinds.LastIndexOf(typeof(TextReasoningContent));
        var firstText = kinds.IndexOf(typeof(TextContent));
        Assert.True(lastReasoning >= 0 && firstText > lastReasoning, string.Join(",", kinds.Select(k => k.Name)));
        Assert.True(kinds.Count(k => k == typeof(TextContent)) > 1, "text should stream in several deltas");
        Assert.IsType<UsageContent>(updates[^1].Contents.Single());
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Single(updates.Select(u => u.MessageId).Distinct());
        Assert.Equal("Hello! How can I help?", string.Concat(updates.SelectMany(u => u.Contents).OfType<TextContent>().Select(t => t.Text)));
    }

    [Description("Gets the current weather for a city")]
    private static string GetWeather([Description("City name")] string city) =>
        JsonSerializer.Serialize(new { city, sky = "sunny", celsius = 21 });

    [Fact]
    public async Task Function_invocation_pipeline_runs_the_tool_loop_over_the_scripted_generator()
    {
        var script = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(WeatherCall, WeatherAnswer));
        var invoked = new List<string>();
        var tool = AIFunctionFactory.Create((string city) => { invoked.Add(city); return GetWeather(city); }, "get_weather",
            "Gets the current weather for a city");
        using var client = new ChatClientBuilder(new HarmonyChatClient(script, Options)).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, "What's the weather in Tokyo?")],
            new ChatOptions { Tools = [tool] });

        Assert.Equal(["Tokyo"], invoked);
        Assert.Equal("It is sunny in Tokyo, 21 degrees.", response.Messages[^1].Text);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Tokyo", ((JsonElement)call.Arguments!["city"]!).GetString());
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);

        Assert.Equal(2, script.Prompts.Count);
        var first = Decode(script.Prompts[0]);
        Assert.Contains("namespace functions {", first);
        Assert.Contains("type get_weather = (_: {", first);
        Assert.Contains("Calls to these tools must go to the commentary channel: 'functions'.", first);
        var second = Decode(script.Prompts[1]);
        Assert.Contains(
            "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\":\"Tokyo\"}<|call|>",
            second);
        Assert.Contains("<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"city\":\"Tokyo\",\"sky\":\"sunny\",\"celsius\":21}<|end|>", second);
        Assert.Contains("<|channel|>analysis<|message|>Need the weather tool.<|end|>", second);
        Assert.EndsWith("<|start|>assistant", second);
    }

    [Fact]
    public async Task Generation_options_map_from_chat_options()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer));
        using var client = new HarmonyChatClient(generator, Options);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions
        {
            MaxOutputTokens = 77, Temperature = 0.25f, TopP = 0.5f, Seed = 1234,
            AdditionalProperties = new() { [HarmonyChatMapping.ReasoningEffortKey] = "high" },
        });

        var options = Assert.Single(generator.Options);
        Assert.Equal(77, options.MaxTokens);
        Assert.Equal(0.25f, options.Temperature);
        Assert.Equal(0.5f, options.TopP);
        Assert.Equal(1234, options.Seed);
        Assert.Contains("Reasoning: high", Decode(generator.Prompts[0]));
    }

    [Fact]
    public async Task Reasoning_effort_also_comes_from_chat_options_reasoning()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer));
        using var client = new HarmonyChatClient(generator, Options);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")],
            new ChatOptions { Reasoning = new ReasoningOptions { Effort = Microsoft.Extensions.AI.ReasoningEffort.Low } });

        Assert.Contains("Reasoning: low", Decode(generator.Prompts[0]));
    }

    [Fact]
    public async Task Bad_reasoning_effort_is_rejected_with_the_value()
    {
        using var client = new HarmonyChatClient(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer), Options);
        var e = await Assert.ThrowsAsync<HarmonyChatException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")],
            new ChatOptions { AdditionalProperties = new() { [HarmonyChatMapping.ReasoningEffortKey] = "extreme" } }));
        Assert.Contains("extreme", e.Message);
    }

    [Fact]
    public async Task Stop_sequence_cuts_the_answer_and_stops_generation()
    {
        var generator = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>final<|message|>First line.\nEND\nSecond line that must not appear.<|return|>");
        using var client = new HarmonyChatClient(generator, Options);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { StopSequences = ["END"] });

        Assert.Equal("First line.\n", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.Usage!.OutputTokenCount is null or < 15, $"generation went on: {response.Usage.OutputTokenCount}");
    }

    [Fact]
    public async Task Token_limit_reports_length()
    {
        using var client = new HarmonyChatClient(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer), Options);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 5 });

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(5, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Call_with_arguments_that_are_not_json_carries_the_error_for_the_pipeline()
    {
        var generator = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{city: Tokyo<|call|>");
        using var client = new HarmonyChatClient(generator, Options);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")],
            new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")] });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.IsType<HarmonyChatException>(call.Exception);
        Assert.Equal("{city: Tokyo", call.AdditionalProperties![HarmonyChatMapping.RawArgumentsKey]);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task Require_specific_tool_mode_prefills_the_recipient_so_the_model_must_call_it()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary <|constrain|>json<|message|>{\"city\":\"Tokyo\"}<|call|>"));
        using var client = new HarmonyChatClient(generator, Options);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")], new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(GetWeather, "get_weather"), AIFunctionFactory.Create(() => "12:00", "get_time")],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
        });

        Assert.EndsWith("<|start|>assistant to=functions.get_weather", Decode(generator.Prompts[0]));
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Tokyo", call.Arguments!["city"]?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task Require_any_tool_mode_prefills_the_namespace_and_the_model_picks_the_function()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(".get_time<|channel|>commentary<|message|>{}<|call|>"));
        using var client = new HarmonyChatClient(generator, Options);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Time?")], new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(GetWeather, "get_weather"), AIFunctionFactory.Create(() => "12:00", "get_time")],
            ToolMode = ChatToolMode.RequireAny,
        });

        Assert.EndsWith("<|start|>assistant to=functions", Decode(generator.Prompts[0]));
        Assert.Equal("get_time", Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()).Name);
    }

    [Fact]
    public async Task The_function_invocation_pipeline_forces_only_the_first_turn_of_a_required_call()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary <|constrain|>json<|message|>{\"city\":\"Tokyo\"}<|call|>", WeatherAnswer));
        using var client = new ChatClientBuilder(new HarmonyChatClient(generator, Options)).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Tokyo?")], new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
        });

        Assert.Equal("It is sunny in Tokyo, 21 degrees.", response.Text);
        Assert.Equal(2, generator.Prompts.Count);
        Assert.EndsWith("<|start|>assistant to=functions.get_weather", Decode(generator.Prompts[0]));
        Assert.EndsWith("<|end|><|start|>assistant", Decode(generator.Prompts[1]));
    }

    [Fact]
    public async Task A_required_tool_call_that_no_offered_tool_can_meet_is_refused()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer));
        using var client = new HarmonyChatClient(generator, Options);

        var noTools = await Assert.ThrowsAsync<HarmonyChatException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")],
            new ChatOptions { ToolMode = ChatToolMode.RequireAny }));
        var unknown = await Assert.ThrowsAsync<HarmonyChatException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")],
            new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")], ToolMode = ChatToolMode.RequireSpecific("get_news") }));

        Assert.Contains("offers no tool", noTools.Message);
        Assert.Contains("'get_news', which is not among ChatOptions.Tools (get_weather)", unknown.Message);
        Assert.Empty(generator.Prompts);
    }

    [Fact]
    public async Task Tool_result_without_a_matching_call_is_rejected()
    {
        using var client = new HarmonyChatClient(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer), Options);
        var e = await Assert.ThrowsAsync<HarmonyChatException>(() => client.GetResponseAsync([
            new ChatMessage(ChatRole.User, "Hi"),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_missing", "42")]),
        ]));
        Assert.Contains("call_missing", e.Message);
    }

    [Fact]
    public async Task Non_text_user_content_is_rejected()
    {
        using var client = new HarmonyChatClient(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer), Options);
        var e = await Assert.ThrowsAsync<HarmonyChatException>(() => client.GetResponseAsync([
            new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3 }, "image/png")]),
        ]));
        Assert.Contains("DataContent", e.Message);
    }

    [Fact]
    public async Task Invalid_tool_name_is_rejected_with_the_reason()
    {
        using var client = new HarmonyChatClient(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer), Options);
        var e = await Assert.ThrowsAsync<HarmonyChatException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")],
            new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather, "get weather!")] }));
        Assert.Contains("get weather!", e.Message);
    }

    [Fact]
    public async Task Earlier_assistant_turns_render_as_harmony_messages_and_drop_old_reasoning()
    {
        var generator = new RecordingGenerator(ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer));
        using var client = new HarmonyChatClient(generator, Options);

        await client.GetResponseAsync([
            new ChatMessage(ChatRole.User, "Hi"),
            new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("old thoughts"), new TextContent("Hel"), new TextContent("lo.")]),
            new ChatMessage(ChatRole.User, "And now?"),
        ], new ChatOptions { Instructions = "Answer in English." });

        var prompt = Decode(generator.Prompts[0]);
        Assert.Contains("<|start|>assistant<|channel|>final<|message|>Hello.<|end|><|start|>user<|message|>And now?<|end|>", prompt);
        Assert.DoesNotContain("old thoughts", prompt);
        Assert.Contains("Answer in English.", prompt);
    }

    [Fact]
    public async Task Cancellation_stops_a_streaming_response()
    {
        var slow = new ScriptedTokenGenerator([O200kHarmonyTokenizer.Instance.EncodeToIds(ReasonThenAnswer, allowSpecialTokens: true)])
        {
            TokenDelay = TimeSpan.FromMilliseconds(20),
        };
        using var client = new HarmonyChatClient(slow, Options);
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: cancel.Token))
            {
                if (++seen == 2)
                    await cancel.CancelAsync();
            }
        });
        Assert.InRange(seen, 2, 3);
    }

    [Fact]
    public void Metadata_and_services_are_exposed()
    {
        var generator = ScriptedTokenGenerator.FromHarmonyText(ReasonThenAnswer);
        using var client = new HarmonyChatClient(generator, Options);
        Assert.Equal("gpt-oss-test", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Same(client, client.GetService<HarmonyChatClient>());
        Assert.Same(generator, client.GetService<ScriptedTokenGenerator>());
    }
}
