using BenchmarkDotNet.Attributes;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Decoding;

namespace Campfire.Benchmarks.DecodeLoop;

/// <summary>
/// The decode loop's own cost per token, with a fake model step that returns the next token of a scripted Harmony
/// completion (the greedy pick that the real model makes on its device): producer task → bounded channel → consumer →
/// incremental parser. The baseline runs the same step and parser in one plain synchronous loop, so the ratio is what
/// the channel and the second thread add.
/// </summary>
[MemoryDiagnoser]
public class DecodeLoopBenchmarks : ITokenWorkload
{
    /// <summary>One operation is one token (OperationsPerInvoke = <see cref="Tokens"/>).</summary>
    public long TokensPerOperation => 1;

    public const int Tokens = 65536;

    private int[] _script = [];
    private int[] _prompt = [];
    private DecodeLoopGenerator _generator = null!;
    private ScriptedModel _model = null!;

    [Params(16)]
    public int ChannelCapacity { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var header = O200kHarmonyTokenizer.Instance.EncodeToIds("<|channel|>final<|message|>", allowSpecialTokens: true);
        var content = O200kHarmonyTokenizer.Instance.EncodeToIds("Press firmly on the wound with a clean cloth and keep pressing. ");
        _script = [.. header, .. Enumerable.Repeat(content, Tokens / content.Length + 2).SelectMany(x => x)];
        _prompt = [HarmonyTokens.Start, 1, 2, HarmonyTokens.Start];
        _model = new ScriptedModel(_script);
        _generator = new DecodeLoopGenerator(_model, new DecodeLoopOptions { ChannelCapacity = ChannelCapacity });
    }

    private static HarmonyStreamParser NewParser() =>
        new(ParseMode.Strict, Campfire.Harmony.Model.Role.Assistant, new HarmonyParserLimits(MaxMessageBytes: int.MaxValue));

    private static long Feed(ref HarmonyStreamParser parser, int id)
    {
        long bytes = 0;
        var kind = parser.Read(id);
        while (kind != HarmonyParserEventKind.None)
        {
            if (kind == HarmonyParserEventKind.ContentDelta) bytes += parser.ContentDelta.Length;
            kind = parser.Read();
        }
        return bytes;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Tokens)]
    public long SynchronousLoop()
    {
        var parser = NewParser();
        long bytes = 0;
        int id = _model.PrefillGreedy(_prompt);
        for (int produced = 1; ; produced++)
        {
            bytes += Feed(ref parser, id);
            if (produced == Tokens) break;
            id = _model.DecodeGreedy(id);
        }
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Tokens)]
    [HotPath(Goal = "≤2 µs/token and 0 B/token for channel + parser + sampling with a fake model step")]
    public async Task<long> ChannelLoop()
    {
        var parser = NewParser();
        long bytes = 0;
        await foreach (int id in _generator.GenerateAsync(_prompt, ReadOnlyMemory<int>.Empty, new GenerationOptions { MaxTokens = Tokens }))
            bytes += Feed(ref parser, id);
        return bytes;
    }

    private sealed class ScriptedModel(int[] script) : IGreedyDecodeModel
    {
        private int _next;
        public int VocabularySize => HarmonyTokens.VocabularySize;
        public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits) => throw new NotSupportedException("greedy only");
        public void Decode(int token, Span<float> logits) => throw new NotSupportedException("greedy only");
        public int PrefillGreedy(ReadOnlySpan<int> prompt) { _next = 0; return script[_next++]; }
        public int DecodeGreedy(int token) => script[_next++ % script.Length];
    }
}

/// <summary>
/// Host-side sampling per token over a logits row: greedy scan (baseline), temperature (softmax over the whole row) and
/// top-p (nucleus). With the full 201,088-token vocabulary this scan, not the loop, is the host's per-token cost; the
/// TorchSharp model avoids it for greedy decoding by taking the argmax on its device.
/// </summary>
[MemoryDiagnoser]
public class SamplerBenchmarks : ITokenWorkload
{
    public long TokensPerOperation => 1;

    private float[] _logits = [];
    private TokenSampler _sampler = null!;

    [Params(256, 201088)]
    public int Vocabulary { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new SplitMix64(1);
        _logits = new float[Vocabulary];
        for (int i = 0; i < _logits.Length; i++) _logits[i] = random.NextSigned() * 8;
        _sampler = new TokenSampler(Vocabulary, 2);
    }

    [Benchmark(Baseline = true)]
    public int Greedy() => _sampler.Sample(_logits, 0, 1);

    [Benchmark]
    public int Temperature() => _sampler.Sample(_logits, 1, 1);

    [Benchmark]
    public int TopP() => _sampler.Sample(_logits, 1, 0.9f);
}
