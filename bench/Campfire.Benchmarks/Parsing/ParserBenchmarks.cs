using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Data;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Parsing;

/// <summary>
/// Parsing the shared ~4,400-token multilingual completion (analysis, tool calls and replies, final answer).
/// Every benchmark parses the whole completion once; divide by <see cref="TokenCount"/> (printed at setup) for
/// ns/token, or by the text's byte count for MB/s (the infrastructure's columns do both). Baseline: a
/// straightforward parser that, like the reference, re-decodes (and re-encodes) text for every token.
/// </summary>
public class ParserBenchmarks : ITokenWorkload
{
    private int[] _tokens = [];
    private byte[] _text = [];

    public int TokenCount => _tokens.Length;

    public long TokensPerOperation => _tokens.Length;

    public long Utf8BytesPerOperation => _text.Length;

    [GlobalSetup]
    public void Setup()
    {
        string text = ParseCorpus.BuildText();
        _text = Encoding.UTF8.GetBytes(text);
        _tokens = O200kHarmonyTokenizer.Instance.EncodeToIds(text, allowSpecialTokens: true);
        Console.WriteLine($"// parser corpus: {_tokens.Length} tokens, {_text.Length} UTF-8 bytes");
        if (StreamTokenByToken() == 0 || ReferenceStyleRedecodePerToken() == 0)
            throw new InvalidOperationException("benchmark input did not parse");
    }

    [Benchmark(Baseline = true)]
    public int ReferenceStyleRedecodePerToken()
    {
        var parser = new ReferenceStyleParser(Role.Assistant);
        foreach (int token in _tokens)
            parser.Process(token);
        parser.ProcessEndOfStream();
        return parser.Messages.Count;
    }

    [Benchmark]
    [HotPath(MinSpeedup = 5, Goal = "≥50 M tokens/s (≤20 ns/token), 0 B/token; reference ≈1 µs/token")]
    public long StreamTokenByToken() => TokenByToken(ParseMode.Strict);

    [Benchmark]
    [HotPath(MinSpeedup = 5, Goal = "≥50 M tokens/s (≤20 ns/token), 0 B/token")]
    public long StreamChunked64() => Chunked(64);

    [Benchmark]
    public long StreamWholeSpan() => Chunked(int.MaxValue);

    [Benchmark]
    [HotPath(MinSpeedup = 5, Goal = "as strict: lenient costs nothing on well-formed input")]
    public long StreamLenientTokenByToken() => TokenByToken(ParseMode.Lenient);

    [Benchmark]
    public int BatchMessagesAndToolCalls() => HarmonyCompletionParser.Parse(_tokens, Role.Assistant, ParseMode.Strict).Messages.Length;

    [Benchmark]
    public int TextPipeReader()
    {
        var reader = PipeReader.Create(new MemoryStream(_text, writable: false), new StreamPipeReaderOptions(bufferSize: 4096));
        return HarmonyTextParser.ParseAsync(reader, Role.Assistant, ParseMode.Strict).AsTask().GetAwaiter().GetResult().Messages.Length;
    }

    private long TokenByToken(ParseMode mode)
    {
        var parser = new HarmonyStreamParser(mode, Role.Assistant);
        long seen = 0;
        foreach (int token in _tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
                seen += kind == HarmonyParserEventKind.ContentDelta ? parser.ContentDelta.Length : 1;
        }
        for (var kind = parser.ReadEndOfStream(); kind != HarmonyParserEventKind.None; kind = parser.ReadEndOfStream())
            seen++;
        return seen;
    }

    private long Chunked(int chunk)
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        long seen = 0;
        for (int start = 0; start < _tokens.Length; start += chunk)
        {
            ReadOnlySpan<int> span = _tokens.AsSpan(start, Math.Min(chunk, _tokens.Length - start));
            while (true)
            {
                var kind = parser.Read(span, out int consumed);
                span = span[consumed..];
                if (kind == HarmonyParserEventKind.None)
                    break;
                seen += kind == HarmonyParserEventKind.ContentDelta ? parser.ContentDelta.Length : 1;
            }
        }
        return seen;
    }
}
