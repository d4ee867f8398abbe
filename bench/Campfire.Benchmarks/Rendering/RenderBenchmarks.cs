using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Rendering;

/// <summary>
/// Rendering a ~3,800-token conversation for completion (Data/render-conversation-4k.json: browser and python tools,
/// seven deep function schemas, nine tool round trips in Norwegian, Japanese, Russian, German, Arabic, French, Chinese and
/// English, emoji). Baseline: the naive renderer (build the Harmony string, schemas included, then tokenize it with
/// special tokens allowed). Cold: a new <see cref="HarmonyRenderer"/> each time (nothing cached). Warm: the same renderer
/// again, into a reused buffer; with the message cache (default) and with only system/developer content cached.
/// </summary>
[MemoryDiagnoser]
public class RenderBenchmarks : ITokenWorkload
{
    private readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    private Conversation _conversation = Conversation.Empty;
    private HarmonyRenderer _warm = null!;
    private HarmonyRenderer _warmUncached = null!;
    private ArrayBufferWriter<int> _writer = null!;
    private int _tokens;
    private int _utf8Bytes;

    public long TokensPerOperation => _tokens;

    public long Utf8BytesPerOperation => _utf8Bytes;

    [GlobalSetup]
    public void Setup()
    {
        _conversation = LoadConversation();
        _writer = new ArrayBufferWriter<int>(16_384);
        _warm = new HarmonyRenderer(_tokenizer);
        _warmUncached = new HarmonyRenderer(_tokenizer, cacheMessageTokens: false);
        var ids = _warm.RenderConversationForCompletion(_conversation, Role.Assistant);
        _warmUncached.RenderConversationForCompletion(_conversation, Role.Assistant);
        _tokens = ids.Length;
        _utf8Bytes = Encoding.UTF8.GetByteCount(_tokenizer.Decode(ids));
        // The data has no special-token literals in its text, so the naive renderer is right here: same ids.
        if (!NaiveStringThenTokenize().AsSpan().SequenceEqual(ids))
            throw new InvalidOperationException("the naive renderer disagrees with HarmonyRenderer on the benchmark data");
    }

    public static Conversation LoadConversation()
    {
        using var stream = typeof(RenderBenchmarks).Assembly.GetManifestResourceStream("Campfire.Benchmarks.Data.render-conversation-4k.json")
            ?? throw new InvalidOperationException("embedded render-conversation-4k.json is missing");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return HarmonyJson.ParseConversation(memory.ToArray());
    }

    [Benchmark(Baseline = true)]
    public int[] NaiveStringThenTokenize()
    {
        // A fresh schema cache: the naive renderer formats every tool schema each time, as a string builder would.
        var text = HarmonyTextRenderer.RenderConversationForCompletion(
            _conversation, Role.Assistant, RenderOptions.Default, new ConditionalWeakTable<ToolNamespaceConfig, string>());
        return _tokenizer.EncodeToIds(text, allowSpecialTokens: true);
    }

    [Benchmark]
    public int ColdRender()
    {
        var renderer = new HarmonyRenderer(_tokenizer);
        _writer.ResetWrittenCount();
        return renderer.RenderConversationForCompletion(_conversation, Role.Assistant, _writer);
    }

    [Benchmark]
    [HotPath(MinSpeedup = 5, Goal = "10x the naive renderer")]
    public int WarmRender()
    {
        _writer.ResetWrittenCount();
        return _warm.RenderConversationForCompletion(_conversation, Role.Assistant, _writer);
    }

    [Benchmark]
    [HotPath(Goal = "0 B/op; tokenizes all message text again")]
    public int WarmRenderWithoutMessageCache()
    {
        _writer.ResetWrittenCount();
        return _warmUncached.RenderConversationForCompletion(_conversation, Role.Assistant, _writer);
    }
}
