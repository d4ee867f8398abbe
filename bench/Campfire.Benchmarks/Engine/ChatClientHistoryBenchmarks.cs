using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Extensions.AI;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tokenization;
using Microsoft.Extensions.AI;

namespace Campfire.Benchmarks.Engine;

/// <summary>
/// A chat-client request on a long history (what an <c>IChatClient</c> caller sends each time: the whole conversation),
/// after an earlier request with the same history: the client continues the engine it kept from that request (its
/// prefix cache), so the history is compared, not mapped or rendered again. Baseline: a warm render of the same
/// conversation by one engine that keeps it (the core's warm time).
/// </summary>
public class ChatClientHistoryBenchmarks : ITokenWorkload
{
    private const string Answer = "<|channel|>final<|message|>Keep the burn under cool running water.<|return|>";

    private readonly List<ChatMessage> _history = [];
    private HarmonyChatClient _client = null!;
    private ScriptedTokenGenerator _generator = null!;
    private HarmonyEngine _warmEngine = null!;
    private int _promptTokens;

    public long TokensPerOperation => _promptTokens;

    public long Utf8BytesPerOperation => 0;

    [GlobalSetup]
    public void Setup()
    {
        var filler = string.Join(' ', Enumerable.Repeat("Brannen sprer seg; 火が広がる; огонь распространяется; the fire spreads.", 12));
        _history.Add(new ChatMessage(ChatRole.System, "Answer briefly."));
        for (var i = 0; i < 40; i++)
        {
            _history.Add(new ChatMessage(ChatRole.User, $"Question {i}: {filler}"));
            _history.Add(new ChatMessage(ChatRole.Assistant, $"Answer {i}: {filler}"));
        }
        _history.Add(new ChatMessage(ChatRole.User, "And now?"));
        _generator = new ScriptedTokenGenerator([O200kHarmonyTokenizer.Instance.EncodeToIds(Answer, allowSpecialTokens: true)]);
        _client = new HarmonyChatClient(_generator, new HarmonyChatClientOptions { ConversationStartDate = "2026-12-02" });

        _warmEngine = new HarmonyEngine(new HarmonyEngineOptions { ConversationStartDate = "2026-12-02" });
        _warmEngine.AddMessage(_warmEngine.CreateSystemMessage("Answer briefly."));
        for (var i = 0; i < 40; i++)
        {
            _warmEngine.AddMessage(_warmEngine.CreateUserMessage($"Question {i}: {filler}"));
            _warmEngine.AddMessage(new HarmonyMessage(HarmonyRole.Assistant, $"Answer {i}: {filler}") { Channel = "final" });
        }
        _warmEngine.AddMessage(_warmEngine.CreateUserMessage("And now?"));
        _promptTokens = _warmEngine.RenderConversation().PrefillIds.Length;
        Console.WriteLine($"// chat-client history: {_history.Count} messages, {_promptTokens} prompt tokens");
        SecondRequestOnTheSameHistory();
    }

    [Benchmark(Baseline = true)]
    public int WarmEngineRender() => _warmEngine.RenderConversation().PrefillIds.Length;

    [Benchmark]
    public int SecondRequestOnTheSameHistory()
    {
        _generator.Rewind();
        var response = _client.GetResponseAsync(_history).GetAwaiter().GetResult();
        return response.Text.Length;
    }
}
