using System.Buffers;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;
using Campfire.Harmony.Tools;

namespace Campfire.Benchmarks.Engine;

/// <summary>
/// One engine turn on a long conversation, as a host calls it: append a user message, render the prompt, stream a
/// scripted 64-token completion through the parser, append the answer (<see cref="HarmonyEngine.RunAsync"/> with its
/// default options, content deltas included). The history has more than 80 messages and 24k tokens: function tools
/// with schemas, tool round trips, analysis, and text in several languages. Baseline: the same work done directly with
/// the core components (<see cref="IncrementalRenderer"/> + <see cref="HarmonyStreamParser"/> and a
/// <see cref="HarmonyMessageCollector"/>). One operation is one turn. Every <see cref="TurnsPerReset"/> turns both
/// sides go back to the starting history (the engine by <see cref="HarmonyEngine.ClearConversation"/> and re-adding,
/// the baseline by clearing and re-appending), so the history stays the same size; the rebuild is part of both rows.
/// </summary>
[MemoryDiagnoser]
public class EngineLongHistoryBenchmarks
{
    public const int CompletionTokens = 64;
    public const int MinHistoryMessages = 80;
    public const int MinHistoryTokens = 24_000;
    private const int TurnsPerReset = 16;
    private const string Question = "Und morgen? Wie wird das Wetter in Bergen, und soll ich einen Regenschirm mitnehmen?";

    private static readonly string[] Languages =
    [
        "What is the weather like in Oslo today, and should I take a coat for the evening walk along the harbour?",
        "Wie ist das Wetter heute in München? Ich möchte am Nachmittag mit dem Fahrrad an die Isar fahren.",
        "今日の東京の天気はどうですか？夕方に浅草から隅田川沿いを散歩する予定です。",
        "Какая сегодня погода в Санкт-Петербурге? Мы собираемся гулять по набережной вечером.",
        "¿Qué tiempo hace hoy en Sevilla? Queremos visitar el Alcázar y luego cenar en una terraza.",
        "ما هو الطقس اليوم في القاهرة؟ أريد أن أزور الأهرامات في الصباح الباكر.",
        "今天北京的天气怎么样？我们打算下午去颐和园划船。",
    ];

    private static readonly (string Name, string Description, string Schema)[] Functions =
    [
        ("get_weather", "Current weather and a three-day forecast for a city.",
            """{"type":"object","properties":{"city":{"type":"string","description":"City name, in any language"},"unit":{"type":"string","enum":["celsius","fahrenheit"],"default":"celsius"},"days":{"type":"integer","description":"Days of forecast, 1 to 3"}},"required":["city"]}"""),
        ("find_places", "Places of interest near a location, with opening hours.",
            """{"type":"object","properties":{"near":{"type":"string"},"kind":{"type":"string","enum":["museum","park","restaurant","cafe","viewpoint"]},"open_now":{"type":"boolean"},"limit":{"type":"integer"}},"required":["near","kind"]}"""),
        ("convert_currency", "Converts an amount between currencies at today's rate.",
            """{"type":"object","properties":{"amount":{"type":"number"},"from":{"type":"string","description":"ISO 4217 code"},"to":{"type":"string","description":"ISO 4217 code"}},"required":["amount","from","to"]}"""),
        ("translate", "Translates a short text into another language.",
            """{"type":"object","properties":{"text":{"type":"string"},"target_language":{"type":"string"},"formality":{"type":"string","enum":["formal","informal"]}},"required":["text","target_language"]}"""),
    ];

    private readonly ArrayBufferWriter<int> _prompt = new(32_768);
    private int[] _completion = [];
    private ReplayGenerator _generator = null!;
    private HarmonyEngine _engine = null!;
    private List<HarmonyMessage> _history = null!;
    private IncrementalRenderer _core = null!;
    private Message[] _coreHistory = [];
    private int _engineTurns;
    private int _coreTurns;

    /// <summary>Messages in the starting history (system instructions included).</summary>
    public int HistoryMessages { get; private set; }

    /// <summary>Tokens of the starting prompt.</summary>
    public int HistoryTokens { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var tokenizer = O200kHarmonyTokenizer.Instance;
        var head = tokenizer.EncodeToIds("<|channel|>final<|message|>Morgen regnet es in Bergen:", allowSpecialTokens: true);
        var word = tokenizer.EncodeToIds(" word");
        _completion = [.. head, .. Enumerable.Repeat(word[0], CompletionTokens - head.Length - 1), HarmonyTokens.Return];
        _generator = new ReplayGenerator(_completion);

        _engine = new HarmonyEngine(new HarmonyEngineOptions { ConversationStartDate = "2026-11-25" });
        foreach (var (name, description, schema) in Functions)
            _engine.RegisterTool(ToolConfig.Function(name, description, schema, (_, _) => ValueTask.FromResult("{}")));
        _engine.AddMessage(_engine.CreateSystemMessage("You are a travel assistant. Answer in the user's language, briefly, and use the tools for facts."));
        _history = BuildHistory(_engine);
        _engine.AddMessages(_history);
        var start = _engine.RenderConversation().PrefillIds;
        HistoryMessages = _engine.Messages.Count;
        HistoryTokens = start.Length;
        if (HistoryMessages < MinHistoryMessages || HistoryTokens < MinHistoryTokens)
            throw new InvalidOperationException($"the history is too small: {HistoryMessages} messages, {HistoryTokens} tokens");

        _core = new IncrementalRenderer(HarmonyRenderer.Default, RenderOptions.Default);
        _coreHistory = [.. _engine.ToHarmonyConversation().Messages];
        ResetCore();
        _core.RenderForCompletion(Role.Assistant, _prompt);
        if (!_prompt.WrittenSpan.SequenceEqual(start.AsSpan()))
            throw new InvalidOperationException("the baseline does not render the engine's prompt");

        if (EngineTurn().GetAwaiter().GetResult() != CompletionTokens || CoreTurn().GetAwaiter().GetResult() != CompletionTokens)
            throw new InvalidOperationException("a turn did not generate the scripted completion");
    }

    [Benchmark(Baseline = true)]
    public async Task<int> CoreTurn()
    {
        if (++_coreTurns % TurnsPerReset == 0) ResetCore();
        _core.Append(Message.User(Question));
        _prompt.ResetWrittenCount();
        _core.RenderForCompletion(Role.Assistant, _prompt);

        var parser = new HarmonyStreamParser(ParseMode.Lenient, Role.Assistant);
        var collector = new HarmonyMessageCollector();
        var one = new int[1];
        var generated = 0;
        await foreach (var token in _generator.GenerateAsync(_prompt.WrittenMemory, HarmonyRenderer.StopTokensForAssistantActions.AsMemory(), GenerationOptions.Default))
        {
            generated++;
            one[0] = token;
            Feed(ref parser, collector, one);
        }
        HarmonyParserEventKind end;
        while ((end = parser.ReadEndOfStream()) != HarmonyParserEventKind.None) collector.Handle(ref parser, end);
        foreach (var message in collector.Messages) _core.Append(message);
        return generated;
    }

    [Benchmark]
    [HotPath(ZeroAllocation = false, MinSpeedup = 0.667, MaxAllocatedBytes = 16 * 1024,
        Goal = "engine turn ≤1.2x the core components (hard floor 1.5x), ≤16 KB per turn")]
    public async Task<int> EngineTurn()
    {
        if (++_engineTurns % TurnsPerReset == 0)
        {
            _engine.ClearConversation();
            _engine.AddMessages(_history);
        }
        _engine.AddMessage(_engine.CreateUserMessage(Question));
        var generated = 0;
        await foreach (var engineEvent in _engine.RunAsync(_generator))
            if (engineEvent is RunCompleted done) generated = done.Usage.CompletionTokens;
        return generated;
    }

    private void ResetCore()
    {
        _core.Clear();
        foreach (var message in _coreHistory) _core.Append(message);
    }

    private static void Feed(ref HarmonyStreamParser parser, HarmonyMessageCollector collector, int[] one)
    {
        var position = 0;
        while (true)
        {
            var kind = parser.Read(one.AsSpan(position), out var consumed);
            position += consumed;
            if (kind == HarmonyParserEventKind.None) return;
            collector.Handle(ref parser, kind);
        }
    }

    /// <summary>About 20 exchanges: a question, sometimes analysis, a call and its long result, and an answer.</summary>
    internal static List<HarmonyMessage> BuildHistory(HarmonyEngine engine)
    {
        var history = new List<HarmonyMessage>();
        for (var i = 0; i < 20; i++)
        {
            var language = Languages[i % Languages.Length];
            var function = Functions[i % Functions.Length];
            history.Add(engine.CreateUserMessage(language));
            if (i % 3 == 0) history.Add(new HarmonyMessage(HarmonyRole.Assistant, $"The user asks about turn {i}; I should call {function.Name} first.") { Channel = "analysis" });
            var call = engine.CreateToolCall("functions." + function.Name, $$"""{"city": "Oslo", "near": "centre", "kind": "museum", "amount": {{i}}, "from": "NOK", "to": "EUR", "text": "{{language[..Math.Min(20, language.Length)]}}", "target_language": "en"}""");
            history.Add(engine.CreateAssistantMessage("", [call]));
            history.Add(engine.CreateToolMessage(new ToolResult(call.CallId, call.Recipient, ToolOutput(i, language))));
            history.Add(new HarmonyMessage(HarmonyRole.Assistant, Answer(i, language)) { Channel = "final" });
        }
        return history;
    }

    private static string ToolOutput(int turn, string language)
    {
        var builder = new System.Text.StringBuilder();
        builder.Append("{\"results\": [");
        for (var j = 0; j < 24; j++)
        {
            if (j > 0) builder.Append(", ");
            builder.Append($"{{\"id\": {turn * 100 + j}, \"name\": \"Place {j} near the centre\", \"note\": \"{language}\", \"temp_c\": {j - 5}, \"open\": \"09:00-17:00\"}}");
        }
        return builder.Append("]}").ToString();
    }

    private static string Answer(int turn, string language) =>
        $"Turn {turn}: here is what I found. {language} The forecast says light rain in the afternoon and clearing skies "
        + "in the evening, with temperatures between 4 and 9 °C. Take a waterproof jacket; the museums near the centre are "
        + "open until five, and the harbour walk is lovely at sunset. " + language;

    /// <summary>Replays one completion without copying the prompt: the model costs nothing, so only the engine and the
    /// core components are measured.</summary>
    private sealed class ReplayGenerator(int[] completion) : ITokenGenerator
    {
        public async IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens,
            GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var token in completion)
            {
                yield return token;
                if (stopTokens.Span.Contains(token)) yield break;
            }
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }
}
