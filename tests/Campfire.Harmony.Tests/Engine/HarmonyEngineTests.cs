using System.Collections.Immutable;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;
using static Campfire.Harmony.Tests.Engine.EngineTestKit;

namespace Campfire.Harmony.Tests.Engine;

public sealed class HarmonyEngineTests
{
    private static HarmonyEngine WeatherEngine()
    {
        var engine = new HarmonyEngine(new HarmonyEngineOptions { ReasoningEffort = ReasoningEffort.Low, ConversationStartDate = "2026-01-15" });
        engine.RegisterTool(ToolConfig.Function("get_weather", "Current weather for a city.", WeatherSchema,
            (call, _) => ValueTask.FromResult("""{"temp_c": -3}""")));
        engine.AddMessage(engine.CreateSystemMessage("Answer briefly."));
        return engine;
    }

    [Fact]
    public void Quick_start_conversation_renders_exactly_like_the_reference()
    {
        // The conversation of docs (harmony-json.md), built through the engine API; the reference renders the same text.
        var engine = WeatherEngine();
        engine.AddMessage(engine.CreateUserMessage("Weather in Oslo?"));
        engine.AddMessage(new HarmonyMessage(HarmonyRole.Assistant, "Call the weather tool.") { Channel = "analysis" });
        var call = engine.CreateToolCall("functions.get_weather", """{"city": "Oslo"}""");
        engine.AddMessage(engine.CreateAssistantMessage("", [call]));
        engine.AddMessage(engine.CreateToolMessage(new ToolResult(call.CallId, "functions.get_weather", """{"temp_c": -3}""")));
        engine.AddMessage(engine.CreateAssistantMessage("It is -3 °C in Oslo."));

        var (prefill, stops) = engine.RenderConversation();
        const string expected =
            "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2026-01-15\n\n" +
            "Reasoning: low\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message.\n" +
            "Calls to these tools must go to the commentary channel: 'functions'.<|end|><|start|>developer<|message|># Instructions\n\nAnswer briefly.\n\n" +
            "# Tools\n\n## functions\n\nnamespace functions {\n\n// Current weather for a city.\ntype get_weather = (_: {\ncity: string,\n}) => any;\n\n} // namespace functions<|end|>" +
            "<|start|>user<|message|>Weather in Oslo?<|end|>" +
            "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>" +
            "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"temp_c\": -3}<|end|>" +
            "<|start|>assistant<|channel|>final<|message|>It is -3 °C in Oslo.<|end|><|start|>assistant";
        Assert.Equal(expected, Decode(prefill));
        Assert.Equal([200002, 200012], stops.ToArray());
    }

    [Theory]
    [InlineData("test_browser_tool_only.txt", false)]
    [InlineData("test_browser_and_function_tool.txt", true)]
    public void Browser_tool_renders_as_the_built_in_namespace_gpt_oss_was_trained_on(string vector, bool withFunction)
    {
        var engine = new HarmonyEngine(new HarmonyEngineOptions { ConversationStartDate = "2025-06-28" });
        engine.RegisterTool(new BrowserTool(new InMemorySearchBackend("web (default: web)")).CreateConfig());
        if (withFunction)
            engine.RegisterTool(ToolConfig.Function("lookup_weather",
                "Use this tool to lookup the weather in a given location. Call it with the parameter 'location', can be any textual description of a location.",
                """{"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}"""));
        Assert.Equal(ReadConformance(vector), Decode(engine.RenderConversation().PrefillIds));
    }

    [Fact]
    public void Create_methods_build_messages_of_each_role_without_adding_them()
    {
        var engine = new HarmonyEngine();
        Assert.Equal(HarmonyRole.System, engine.CreateSystemMessage("s").Role);
        Assert.Equal(HarmonyRole.Developer, engine.CreateDeveloperMessage("d").Role);
        Assert.Equal(HarmonyRole.User, engine.CreateUserMessage("u").Role);
        var call = engine.CreateToolCall("functions.f", "{}");
        var assistant = engine.CreateAssistantMessage("thinking aloud", [call]);
        Assert.Equal(HarmonyRole.Assistant, assistant.Role);
        Assert.Equal(call, Assert.Single(assistant.ToolCalls));
        var tool = engine.CreateToolMessage(new ToolResult(call.CallId, "functions.f", "ok", IsError: true));
        Assert.Equal((HarmonyRole.Tool, "functions.f", call.CallId, true), (tool.Role, tool.Name, tool.CallId, tool.IsError));
        Assert.Empty(engine.Messages);
        Assert.NotEqual(call.CallId, engine.CreateToolCall("functions.f", "{}").CallId);
    }

    [Fact]
    public void Bad_messages_are_rejected_with_the_reason()
    {
        var engine = new HarmonyEngine();
        Assert.Throws<ArgumentNullException>(() => engine.CreateUserMessage(null!));
        Assert.Contains("recipient", Assert.Throws<ArgumentException>(() => engine.CreateAssistantMessage("", [new ToolCall("", "", "", "1")])).Message);
        Assert.Contains("unique", Assert.Throws<ArgumentException>(() =>
            engine.CreateAssistantMessage("", [engine.CreateToolCall("functions.f", "{}") with { CallId = "a" }, engine.CreateToolCall("functions.g", "{}") with { CallId = "a" }])).Message);
        Assert.Throws<ArgumentException>(() => engine.CreateToolMessage(new ToolResult("1", " ", "x")));
        Assert.Throws<EngineMessageException>(() => engine.AddMessage(new HarmonyMessage(HarmonyRole.Tool, "no name")));
        Assert.Throws<EngineMessageException>(() => engine.AddMessage(new HarmonyMessage(HarmonyRole.User, "x") { ToolCalls = [engine.CreateToolCall("functions.f", "{}")] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonyMessage((HarmonyRole)42, "x"));
        Assert.Empty(engine.Messages);
    }

    [Fact]
    public void Assistant_preamble_goes_to_commentary_and_built_in_calls_to_analysis()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(new BrowserTool(InMemorySearchBackend.FirstAid()).CreateConfig());
        engine.RegisterTool(ToolConfig.Function("f", "d", null));
        engine.AddMessage(engine.CreateUserMessage("q"));
        var browse = engine.CreateToolCall("browser.search", """{"query":"x"}""");
        var function = engine.CreateToolCall("functions.f", "{}");
        engine.AddMessage(engine.CreateAssistantMessage("Let me check.", [browse, function]));
        engine.AddMessage(engine.CreateToolMessage(new ToolResult(browse.CallId, "browser.search", "[0] x")));
        engine.AddMessage(engine.CreateToolMessage(new ToolResult(function.CallId, "functions.f", "{}")));
        var messages = engine.ToHarmonyConversation().Messages;
        Assert.Equal(("commentary", (string?)null), (messages[3].Channel, messages[3].Recipient));
        Assert.Equal(("analysis", "browser.search", (string?)null), (messages[4].Channel, messages[4].Recipient, messages[4].ContentType));
        Assert.Equal(("commentary", "functions.f", "<|constrain|>json"), (messages[5].Channel, messages[5].Recipient, messages[5].ContentType));
        Assert.Equal(("browser.search", "assistant", "analysis"), (messages[6].Author.Name, messages[6].Recipient, messages[6].Channel));
        Assert.Equal(("functions.f", "assistant", "commentary"), (messages[7].Author.Name, messages[7].Recipient, messages[7].Channel));
    }

    [Fact]
    public void Parse_completion_reads_the_reference_streaming_vector()
    {
        var engine = new HarmonyEngine();
        var parsed = engine.ParseCompletion(Encode(ReadConformance("test_streamable_parser.txt")));
        Assert.Empty(parsed.Diagnostics);
        Assert.Equal(3, parsed.Messages.Length);
        Assert.Equal("analysis", parsed.Messages[0].Channel);
        Assert.StartsWith("User asks", parsed.Messages[0].Content);
        var call = Assert.Single(parsed.ToolCalls);
        Assert.Equal(("browser.search", "search", "commentary", "code"), (call.Recipient, call.Method, call.Channel, call.ContentType));
        Assert.Equal("""{"query": "current US president July 2025", "topn": 10, "source": "news"}""", call.Args);
        Assert.Equal((HarmonyRole.Tool, "browser.search"), (parsed.Messages[2].Role, parsed.Messages[2].Name));
        Assert.Empty(engine.Messages); // parsing does not change the conversation
    }

    [Fact]
    public void Parse_completion_takes_the_role_and_header_from_the_prefill()
    {
        var engine = new HarmonyEngine();
        var withRole = engine.ParseCompletion(Encode("<|channel|>final<|message|>Hi<|return|>"), Encode("<|start|>user<|message|>x<|end|><|start|>assistant"));
        Assert.Equal(("final", "Hi"), (withRole.Messages[0].Channel, withRole.Messages[0].Content));
        var withChannel = engine.ParseCompletion(Encode("Hello<|return|>"), Encode("<|start|>assistant<|channel|>final<|message|>"));
        var message = Assert.Single(withChannel.Messages);
        Assert.Equal((HarmonyRole.Assistant, "final", "Hello"), (message.Role, message.Channel, message.Content));
    }

    [Theory]
    [InlineData("<|channel|>final<|message|>cut off", "input ended inside the content")]
    [InlineData("<|channel|>final<|message|>a<|start|>assistant<|channel|>final<|message|>b<|end|>", "<|start|> inside the content")]
    [InlineData("<|channel|>final<|message|>a<|end|>stray<|start|>assistant<|channel|>final<|message|>b<|end|>", "message without <|start|>")]
    [InlineData("<|channel|>final<|message|>a<|end|><|end|><|start|>assistant<|channel|>final<|message|>b<|end|>", "ignored a stop token outside any message")]
    public void Malformed_completions_are_parsed_leniently_with_diagnostics(string completion, string diagnostic)
    {
        var parsed = new HarmonyEngine().ParseCompletion(Encode(completion));
        Assert.Contains(parsed.Diagnostics, d => d.Contains(diagnostic, StringComparison.Ordinal));
        Assert.NotEmpty(parsed.Messages);
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_skipped_not_fatal()
    {
        var tokens = Encode("<|channel|>final<|message|>ok<|return|>").ToList();
        tokens.Insert(3, 999_999);
        tokens.Insert(0, -1);
        var parsed = new HarmonyEngine().ParseCompletion(tokens.ToArray());
        Assert.Equal("final", Assert.Single(parsed.Messages).Channel);
        Assert.Contains("\uFFFD", parsed.Messages[0].Content); // the bad id reads as U+FFFD, as in the reference
        Assert.Equal(2, parsed.Diagnostics.Count(d => d.Contains("token id outside the vocabulary", StringComparison.Ordinal)));
    }

    [Fact]
    public void Random_token_soup_never_crashes_the_parse()
    {
        int[] alphabet = [200005, 200006, 200007, 200008, 200012, 200002, 200003, .. Encode("assistant final analysis to=functions.f json {\"a\":1} hello user")];
        var random = new Random(5);
        var engine = new HarmonyEngine();
        for (var i = 0; i < 3000; i++)
        {
            var tokens = Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray();
            var parsed = engine.ParseCompletion(tokens);
            Assert.All(parsed.Messages, m => Assert.NotNull(m.Content));
        }
    }

    [Fact]
    public void Handle_multi_turn_adds_the_message_trims_and_renders()
    {
        var engine = WeatherEngine();
        for (var i = 0; i < 20; i++)
        {
            var (prefill, stops) = engine.HandleMultiTurnConversation($"question {i}", maxHistory: 4);
            Assert.Equal([200002, 200012], stops.ToArray());
            Assert.EndsWith($"question {i}<|end|><|start|>assistant", Decode(prefill));
            engine.AddMessage(engine.CreateAssistantMessage($"answer {i}"));
        }
        Assert.Equal(HarmonyRole.System, engine.Messages[0].Role);
        // Trimmed to whole exchanges when question 19 arrived (question 18 .. question 19: answer 17 would have been
        // kept without its question), then answer 19 was added.
        Assert.Equal(["question 18", "answer 18", "question 19", "answer 19"], engine.Messages.Skip(1).Select(m => m.Content));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.HandleMultiTurnConversation("x", 0));
        Assert.Throws<ArgumentException>(() => engine.HandleMultiTurnConversation(engine.CreateAssistantMessage("x")));
    }

    [Fact]
    public void Summary_counts_messages_calls_tools_and_rendered_tokens()
    {
        var engine = WeatherEngine();
        engine.AddMessage(engine.CreateUserMessage("Weather?"));
        var call = engine.CreateToolCall("functions.get_weather", """{"city":"Oslo"}""");
        engine.AddMessage(engine.CreateAssistantMessage("", [call]));
        engine.AddMessage(engine.CreateToolMessage(new ToolResult(call.CallId, call.Recipient, "{}")));
        var summary = engine.GetConversationSummary();
        Assert.Equal(4, summary.MessageCount);
        Assert.Equal(1, summary.ToolCallCount);
        Assert.Equal(["functions.get_weather"], summary.RegisteredTools.ToArray());
        Assert.Equal(engine.RenderConversation().PrefillIds.Length, summary.RenderedTokenCount);
        Assert.Equal(1, summary.MessagesByRole[HarmonyRole.Tool]);
        Assert.Empty(summary.CitationProblems);
    }

    [Fact]
    public async Task Clear_conversation_keeps_instructions_and_tools_and_resets_tool_state()
    {
        var browser = new BrowserTool(InMemorySearchBackend.FirstAid());
        var engine = new HarmonyEngine();
        engine.RegisterTool(browser.CreateConfig());
        engine.AddMessage(engine.CreateSystemMessage("be brief"));
        engine.AddMessage(engine.CreateUserMessage("burn"));
        _ = await browser.InvokeAsync(ToolCall.FromRecipient("browser.search", """{"query":"burn"}""", "1"), default);
        Assert.Single(browser.Pages);

        engine.ClearConversation();
        Assert.Equal([HarmonyRole.System], engine.Messages.Select(m => m.Role));
        Assert.Empty(browser.Pages);
        Assert.Single(engine.Tools);
        engine.ClearConversation(keepInstructions: false);
        Assert.Empty(engine.Messages);
    }

    [Fact]
    public void Rendering_failures_surface_as_our_exception_with_the_cause()
    {
        var engine = new HarmonyEngine(null, new FailingCodec());
        var error = Assert.Throws<EngineRenderException>(() => engine.RenderConversation());
        Assert.IsType<Campfire.Harmony.Rendering.HarmonyRenderException>(error.InnerException);
        Assert.Contains("Cannot render", error.Message);
        Assert.IsAssignableFrom<HarmonyException>(error);
    }

    private sealed class FailingCodec : IHarmonyCodec
    {
        public Campfire.Harmony.Rendering.IncrementalRenderer CreateRenderer(bool autoDropAnalysis) =>
            throw new Campfire.Harmony.Rendering.HarmonyRenderException(0, "broken on purpose");
        public ImmutableArray<int> StopTokensForAssistantActions => [];
        public CodecParseResult ParseLenient(ReadOnlySpan<int> tokens, Role? prefillRole) => new([], []);
        public ICompletionDeltaStream CreateDeltaStream(bool withDeltas) => throw new InvalidOperationException();
        public string Decode(ReadOnlySpan<int> ids) => "";
        public ImmutableArray<int> EncodeHeaderText(string text) => [];
        public int StartTokenId => 200006;
    }
}
