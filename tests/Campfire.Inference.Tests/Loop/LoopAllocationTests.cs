using Campfire.Harmony.Engine;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Campfire.Decoding;

namespace Campfire.Decoding.Tests;

/// <summary>Replays a Harmony completion forever; picks the greedy token itself, as the TorchSharp model does.</summary>
internal sealed class ScriptedGreedyModel(int[] script) : IGreedyDecodeModel
{
    private int _next;
    public int VocabularySize => HarmonyTokens.VocabularySize;
    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits) => throw new InvalidOperationException("greedy only");
    public void Decode(int token, Span<float> logits) => throw new InvalidOperationException("greedy only");
    public int PrefillGreedy(ReadOnlySpan<int> prompt) { _next = 0; return Next(); }
    public int DecodeGreedy(int token) => Next();
    private int Next() => script[_next++ % script.Length];
}

[CollectionDefinition(nameof(ProcessWideAllocations), DisableParallelization = true)]
public sealed class ProcessWideAllocations;

[Collection(nameof(ProcessWideAllocations))]
public sealed class LoopAllocationTests
{
    [Fact]
    public async Task The_warm_loop_allocates_nothing_per_token_across_producer_channel_and_parser()
    {
        // A final-channel message whose content never ends: the parser streams content deltas for every token.
        var script = O200kHarmonyTokenizer.Instance.EncodeToIds("The quick brown fox jumps over the lazy dog. ");
        var header = O200kHarmonyTokenizer.Instance.EncodeToIds("<|channel|>final<|message|>", allowSpecialTokens: true);
        var generator = new DecodeLoopGenerator(new ScriptedGreedyModel([.. header, .. Enumerable.Repeat(script, 4000).SelectMany(x => x)]));
        int[] prompt = [HarmonyTokens.Start, 1, 2, HarmonyTokens.Start];
        long contentBytes = 0;

        async Task Run(int tokens)
        {
            var parser = new HarmonyStreamParser(ParseMode.Strict, Campfire.Harmony.Model.Role.Assistant,
                new HarmonyParserLimits { MaxMessageBytes = int.MaxValue });
            await foreach (int id in generator.GenerateAsync(prompt, ReadOnlyMemory<int>.Empty, new GenerationOptions { MaxTokens = tokens }))
            {
                var kind = parser.Read(id);
                while (kind != HarmonyParserEventKind.None)
                {
                    if (kind == HarmonyParserEventKind.ContentDelta) contentBytes += parser.ContentDelta.Length;
                    kind = parser.Read();
                }
            }
        }

        async Task<long> Allocated(int tokens)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await Run(tokens);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        for (int i = 0; i < 3; i++) await Run(2_000);
        // The count is process-wide (producer and consumer run on pool threads), so it also catches what other threads
        // allocate meanwhile: the test host reporting results, a thread-pool thread being started on a loaded machine
        // (a few KB to ~90 KB, now and then). That noise only ever adds, while a per-token allocation adds to every
        // long run: compare the least a short run and the least a long run allocated over several attempts.
        long least2k = long.MaxValue, least22k = long.MaxValue;
        var windows = new List<string>();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long short2k = await Allocated(2_000);
            long long22k = await Allocated(22_000);
            windows.Add($"{short2k} B for 2k tokens, {long22k} B for 22k");
            least2k = Math.Min(least2k, short2k);
            least22k = Math.Min(least22k, long22k);
        }
        double perToken = (least22k - least2k) / 20_000.0;
        Assert.True(contentBytes > 100_000);
        Assert.True(perToken < 0.5, $"{perToken:F2} B/token (least {least2k} B for 2k tokens, {least22k} B for 22k; attempts: {string.Join("; ", windows)})");
    }
}
