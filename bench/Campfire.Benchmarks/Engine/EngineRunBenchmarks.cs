using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tokenization;
using Campfire.Harmony.Tools;

namespace Campfire.Benchmarks.Engine;

/// <summary>
/// What <see cref="HarmonyEngine.RunAsync"/> costs per generated token on top of the model: a two-turn tool loop
/// (a function call, then a long final answer) replayed by the scripted generator, so the model itself costs almost
/// nothing. Baseline: the same loop written by hand with the same components (render, collect the tokens, batch-parse,
/// call the tool, append, render again) and no events. RunAsync adds per-token streaming parse and delta events,
/// message mapping, usage and timing; the NoDeltas variant shows the share of the streaming deltas.
/// </summary>
[MemoryDiagnoser]
public class EngineRunBenchmarks : ITokenWorkload
{
    // One BenchmarkDotNet operation = one generated token (both turns together generate exactly this many).
    private const int CompletionTokens = 1024;

    private const string CallTurn =
        "<|channel|>analysis<|message|>Need the weather first.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>";

    private const string Schema = """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""";

    private ScriptedTokenGenerator _generator = null!;
    private HarmonyEngine _engine = null!;
    private Conversation _startConversation = null!;
    private readonly EngineRunOptions _noDeltas = new() { StreamDeltas = false };

    public long TokensPerOperation => 1;

    [GlobalSetup]
    public void Setup()
    {
        var tokenizer = O200kHarmonyTokenizer.Instance;
        var call = tokenizer.EncodeToIds(CallTurn, allowSpecialTokens: true);
        var answerHead = tokenizer.EncodeToIds("<|channel|>final<|message|>It is cold in Oslo.", allowSpecialTokens: true);
        var word = tokenizer.EncodeToIds(" word");
        var padding = CompletionTokens - call.Length - answerHead.Length - 1;
        if (word.Length != 1 || padding < 0) throw new InvalidOperationException("the benchmark script no longer has the intended size");
        int[] answer = [.. answerHead, .. Enumerable.Repeat(word[0], padding), HarmonyTokens.Return];
        _generator = new ScriptedTokenGenerator([call, answer]);

        _engine = new HarmonyEngine(new HarmonyEngineOptions { ConversationStartDate = "2026-11-25" });
        _engine.RegisterTool(ToolConfig.Function("get_weather", "Current weather for a city.", Schema, (_, _) => ValueTask.FromResult("""{"temp_c": -3}""")));
        _engine.AddMessage(_engine.CreateSystemMessage("Answer briefly."));
        _engine.AddMessage(_engine.CreateUserMessage("Weather in Oslo?"));
        _startConversation = _engine.ToHarmonyConversation();

        if (RunAsyncWithDeltas().GetAwaiter().GetResult() != CompletionTokens || HandRolledLoop().GetAwaiter().GetResult() != CompletionTokens)
            throw new InvalidOperationException("the loops did not generate the scripted tokens");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CompletionTokens)]
    public async Task<int> HandRolledLoop()
    {
        _generator.Rewind();
        var conversation = _startConversation;
        var generated = 0;
        var stops = HarmonyRenderer.StopTokensForAssistantActions.ToArray();
        var tokens = new List<int>(CompletionTokens);
        while (true)
        {
            var prompt = HarmonyRenderer.Default.RenderConversationForCompletion(conversation, Role.Assistant);
            tokens.Clear();
            await foreach (var token in _generator.GenerateAsync(prompt, stops, GenerationOptions.Default))
                tokens.Add(token);
            generated += tokens.Count;
            var parsed = HarmonyCompletionParser.Parse(tokens.ToArray(), Role.Assistant, ParseMode.Lenient);
            conversation = conversation.Append(parsed.Messages);
            if (parsed.ToolCalls.IsEmpty) return generated;
            var call = parsed.ToolCalls[^1];
            conversation = conversation.Append(Message.Tool(call.Recipient, """{"temp_c": -3}""").WithRecipient("assistant").WithChannel(call.Channel));
        }
    }

    [Benchmark(OperationsPerInvoke = CompletionTokens)]
    public Task<int> RunAsyncWithDeltas() => Run(EngineRunOptions.Default);

    [Benchmark(OperationsPerInvoke = CompletionTokens)]
    public Task<int> RunAsyncNoDeltas() => Run(_noDeltas);

    private async Task<int> Run(EngineRunOptions options)
    {
        _generator.Rewind();
        _engine.ClearConversation();
        _engine.AddMessage(_engine.CreateUserMessage("Weather in Oslo?"));
        var generated = 0;
        await foreach (var engineEvent in _engine.RunAsync(_generator, options))
            if (engineEvent is RunCompleted done) generated = done.Usage.CompletionTokens;
        return generated;
    }
}
