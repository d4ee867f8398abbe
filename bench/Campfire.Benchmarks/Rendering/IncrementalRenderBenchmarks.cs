using System.Buffers;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Rendering;

/// <summary>
/// Incremental rendering: the ~3,800-token conversation of <see cref="RenderBenchmarks"/> built up one message at a
/// time, as a chat host does turn after turn, with its rendering brought up to date after every message. Baseline: a
/// full render of the conversation so far after each message (every message tokenized again). Incremental:
/// <see cref="IncrementalRenderer.Append(Message)"/> tokenizes only the new message. Both use renderers without the
/// message-token cache, so the comparison is about rendering less, not about caching; the cached full render is shown
/// for reference. One operation builds the whole conversation; the workload is its final token count.
/// </summary>
public class IncrementalRenderBenchmarks : ITokenWorkload
{
    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    Conversation[] _prefixes = [];
    Message[] _messages = [];
    HarmonyRenderer _uncached = null!;
    HarmonyRenderer _cached = null!;
    ArrayBufferWriter<int> _writer = null!;
    int _tokens;

    public long TokensPerOperation => _tokens;

    [GlobalSetup]
    public void Setup()
    {
        var conversation = RenderBenchmarks.LoadConversation();
        _messages = [.. conversation.Messages];
        _prefixes = [.. Enumerable.Range(1, _messages.Length).Select(n => new Conversation([.. _messages.Take(n)]))];
        _uncached = new HarmonyRenderer(_tokenizer, cacheMessageTokens: false);
        _cached = new HarmonyRenderer(_tokenizer);
        _writer = new ArrayBufferWriter<int>(16_384);
        var full = _uncached.RenderConversation(conversation);
        _tokens = full.Length;
        if (!IncrementalRender().SequenceEqual(full))
            throw new InvalidOperationException("the incremental rendering differs from the full rendering");
        CachedFullRenderAfterEachMessage();
    }

    int[] IncrementalRender()
    {
        var renderer = new IncrementalRenderer(_uncached);
        foreach (var message in _messages)
            renderer.Append(message);
        return renderer.Tokens.ToArray();
    }

    [Benchmark(Baseline = true)]
    public int FullRenderAfterEachMessage()
    {
        var total = 0;
        foreach (var prefix in _prefixes)
        {
            _writer.ResetWrittenCount();
            total += _uncached.RenderConversation(prefix, _writer);
        }
        return total;
    }

    [Benchmark]
    public int IncrementalAppendEachMessage()
    {
        var renderer = new IncrementalRenderer(_uncached);
        var changedAt = 0;
        foreach (var message in _messages)
            changedAt += renderer.Append(message);
        return changedAt + renderer.Tokens.Length;
    }

    [Benchmark]
    public int CachedFullRenderAfterEachMessage()
    {
        var total = 0;
        foreach (var prefix in _prefixes)
        {
            _writer.ResetWrittenCount();
            total += _cached.RenderConversation(prefix, _writer);
        }
        return total;
    }
}
