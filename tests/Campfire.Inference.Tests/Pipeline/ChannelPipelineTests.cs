using System.Text;
using Campfire.Guidance;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Harmony.Tools;
using Campfire.Decoding;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;

namespace Campfire.Inference.Tests.Pipeline;

/// <summary>A tiny checkpoint with the real 201,088-token vocabulary, so real Harmony prompts run through it.</summary>
public sealed class RealVocabularyTinyModel : IDisposable
{
    public RealVocabularyTinyModel()
    {
        TorchRuntime.SetCpuThreads(1); // many small ops: one thread avoids OpenMP spin-waits on a busy CI machine
        Folder = Path.Combine(Path.GetTempPath(), "campfire-tiny-real-" + Guid.NewGuid().ToString("N"));
        TinyModelWriter.Write(Folder, CheckpointLayout.Original, HarmonyTokens.VocabularySize, 11);
    }

    public string Folder { get; }

    public void Dispose()
    {
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}

/// <summary>
/// Every step runs the real tiny model (prefill, KV cache, sampling on its logits); a steering bias then makes the
/// scripted token the most likely one, so the random model writes well-formed Harmony and the engine can act on it.
/// </summary>
internal sealed class SteeredModel(IDecodeModel inner, Queue<int> script) : IDecodeModel
{
    public int VocabularySize => inner.VocabularySize;
    public int PrefilledTokens { get; private set; }
    public int Steps { get; private set; }

    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits)
    {
        PrefilledTokens += prompt.Length;
        inner.Prefill(prompt, logits);
        Steer(logits);
    }

    public void Decode(int token, Span<float> logits)
    {
        Steps++;
        inner.Decode(token, logits);
        Steer(logits);
    }

    private void Steer(Span<float> logits)
    {
        Assert.All(logits.ToArray().Take(1000), v => Assert.True(float.IsFinite(v)));
        if (script.TryDequeue(out int next)) logits[next] += 1e4f;
    }
}

internal sealed class OneDocumentBackend : ISearchBackend
{
    public static readonly BrowserDocument Burns = new("burns", "Burns", "https://example.org/burns", "test", "Cool the burn under running water for 20 minutes.\nDo not use ice.");
    public string Source => "test";
    public IReadOnlyList<SearchHit> Search(string query, int topN) => [new SearchHit(Burns, 1, Burns.Text, 0)];
    public BrowserDocument? Fetch(string idOrUrl) => idOrUrl is "burns" or "https://example.org/burns" ? Burns : null;
}

public sealed class ChannelPipelineTests(RealVocabularyTinyModel tiny) : IClassFixture<RealVocabularyTinyModel>
{
    private static int[] Encode(string text) => O200kHarmonyTokenizer.Instance.EncodeToIds(text, allowSpecialTokens: true);

    [Fact]
    public async Task Tiny_model_tokens_flow_through_the_channel_into_the_stream_parser()
    {
        using var model = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
        var answer = Encode("<|channel|>final<|message|>Call for help.<|return|>");
        var steered = new SteeredModel(model, new Queue<int>(answer));
        var generator = new DecodeLoopGenerator(steered, new DecodeLoopOptions { ChannelCapacity = 2 });
        var prompt = Encode("<|start|>user<|message|>Help<|end|><|start|>assistant");

        var parser = new HarmonyStreamParser(ParseMode.Strict, Campfire.Harmony.Model.Role.Assistant);
        var text = new StringBuilder();
        string? channel = null;
        MessageTerminator? terminator = null;
        var received = new List<int>();
        await foreach (int id in generator.GenerateAsync(prompt, new[] { HarmonyTokens.Return, HarmonyTokens.Call }, new GenerationOptions { MaxTokens = 64 }))
        {
            received.Add(id);
            HarmonyParserEventKind kind;
            int consumed = 0;
            var one = new[] { id };
            var rest = one.AsSpan();
            do
            {
                kind = parser.Read(rest, out consumed);
                rest = rest[consumed..];
                if (kind == HarmonyParserEventKind.HeaderComplete) channel = parser.GetChannel();
                if (kind == HarmonyParserEventKind.ContentDelta) text.Append(Encoding.UTF8.GetString(parser.ContentDelta));
                if (kind == HarmonyParserEventKind.MessageEnded) terminator = parser.Terminator;
            } while (kind != HarmonyParserEventKind.None);
        }
        Assert.Equal(answer, received);
        Assert.Equal("final", channel);
        Assert.Equal("Call for help.", text.ToString());
        Assert.Equal(MessageTerminator.Return, terminator);
        Assert.Equal(answer.Length - 1, steered.Steps);
    }

    [Fact]
    public async Task HarmonyEngine_RunAsync_drives_the_tiny_model_through_a_tool_call_to_a_final_answer()
    {
        using var model = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
        var script = new Queue<int>(Encode("<|channel|>commentary to=browser.search <|constrain|>json<|message|>{\"query\":\"burn\"}<|call|>")
            .Concat(Encode("<|channel|>final<|message|>Cool it with water.<|return|>")));
        var steered = new SteeredModel(model, script);
        var generator = new DecodeLoopGenerator(steered);
        var engine = EmergencyGuidance.CreateEngine(new OneDocumentBackend(), new EmergencyGuidanceOptions { ConversationStartDate = "2026-01-01" });
        var events = new List<EngineEvent>();
        await foreach (var e in EmergencyGuidance.AskAsync(engine, generator, "How do I treat a burn?", new EngineRunOptions { Generation = new GenerationOptions { MaxTokens = 64 } }))
            events.Add(e);

        var call = Assert.Single(events.OfType<ToolCallStarted>());
        Assert.Equal("browser.search", call.Call.Recipient);
        Assert.False(Assert.Single(events.OfType<ToolCallFinished>()).Result.IsError);
        var final = Assert.Single(events.OfType<FinalAnswer>());
        Assert.Equal("Cool it with water.", final.Message.Content);
        Assert.Contains(events.OfType<ContentDelta>(), d => d.Channel == "final");
        var completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(StopReason.FinalAnswer, completed.Reason);
        Assert.Equal(2, completed.Usage.Rounds);
        Assert.Empty(script);
        // The second prompt re-renders the tool call (recipient before channel), so it shares only a prefix with the
        // cache: the cache is rewound to that prefix and the rest prefilled, not the whole prompt.
        var prompts = events.OfType<UsageReport>().Select(u => u.Usage.PromptTokens).ToArray();
        Assert.True(model.LastReusedTokens >= prompts[0], $"reused {model.LastReusedTokens} of {prompts[1]} (first prompt {prompts[0]})");
    }

    [Fact]
    public async Task Unsteered_greedy_generation_is_deterministic_and_matches_a_fresh_model()
    {
        var prompt = Encode("<|start|>user<|message|>Hi<|end|><|start|>assistant");
        async Task<List<int>> Run()
        {
            using var model = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
            var ids = new List<int>();
            await foreach (int id in model.CreateGenerator().GenerateAsync(prompt, ReadOnlyMemory<int>.Empty, new GenerationOptions { MaxTokens = 6 }))
                ids.Add(id);
            return ids;
        }
        var first = await Run();
        Assert.Equal(6, first.Count);
        Assert.Equal(first, await Run());
    }
}

public sealed class SharedModelTests(RealVocabularyTinyModel tiny) : IClassFixture<RealVocabularyTinyModel>
{
    [Fact]
    public async Task Two_generators_over_one_model_take_turns_instead_of_sharing_its_cache()
    {
        using var model = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
        var first = model.CreateGenerator(new DecodeLoopOptions { ChannelCapacity = 1 });
        var second = model.CreateGenerator();
        var options = new GenerationOptions { MaxTokens = 200 };
        int[] prompt = [1, 2, 3];
        var a = first.GenerateAsync(prompt, ReadOnlyMemory<int>.Empty, options).GetAsyncEnumerator();
        Assert.True(await a.MoveNextAsync());
        // The first generation owns the model's cache until it ends, even while its producer waits on the channel.
        await Assert.ThrowsAsync<GeneratorBusyException>(async () =>
        {
            await foreach (int _ in second.GenerateAsync(prompt, ReadOnlyMemory<int>.Empty, options)) { }
        });
        await a.DisposeAsync();
        int count = 0;
        await foreach (int _ in second.GenerateAsync(prompt, ReadOnlyMemory<int>.Empty, options with { MaxTokens = 2 })) count++;
        Assert.Equal(2, count);
    }
}
