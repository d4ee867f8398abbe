using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>
/// Encoding ~64 KB of English prose or mixed multilingual text, single thread: our o200k_harmony tokenizer against
/// Microsoft.ML.Tokenizers' TiktokenTokenizer for o200k_base (the baseline; same ids, checked in setup).
/// </summary>
public class EncodeBenchmarks : ITokenWorkload
{
    const int TextChars = 64 * 1024;

    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    TiktokenTokenizer _peer = null!;
    string _text = "";
    byte[] _utf8 = [];
    int[] _ids = [];
    int _tokens;

    [Params(Corpus.Prose, Corpus.Multilingual)]
    public Corpus Corpus { get; set; }

    public long TokensPerOperation => _tokens;

    public long Utf8BytesPerOperation => _utf8.Length;

    [GlobalSetup]
    public void Setup()
    {
        _text = TokenizerTexts.Build(Corpus, TextChars);
        _utf8 = Encoding.UTF8.GetBytes(_text);
        _ids = new int[_utf8.Length + 16];
        _peer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        var ours = _tokenizer.EncodeToIds(_text);
        if (!ours.AsSpan().SequenceEqual(_peer.EncodeToIds(_text).ToArray()))
            throw new InvalidOperationException($"the tokenizer disagrees with Microsoft.ML.Tokenizers on the {Corpus} text");
        _tokens = ours.Length;
    }

    [Benchmark(Baseline = true)]
    public int MicrosoftMlEncodeToIds() => _peer.EncodeToIds(_text).Count;

    [Benchmark]
    public int EncodeToIdsArray() => _tokenizer.EncodeToIds(_text).Length;

    [Benchmark]
    [HotPath(MinSpeedup = 2, Goal = "4x Microsoft.ML.Tokenizers EncodeToIds")]
    public int EncodeIntoBuffer()
    {
        _tokenizer.EncodeToIds(_text, _ids, out _, out var written);
        return written;
    }

    [Benchmark]
    [HotPath(Goal = "0 B/op: UTF-8 into a caller buffer")]
    public int EncodeUtf8IntoBuffer()
    {
        _tokenizer.EncodeUtf8ToIds(_utf8, _ids, out _, out var written);
        return written;
    }
}

/// <summary>Decoding the ids of the same texts back to UTF-8 / string, and counting tokens, against Microsoft.ML.Tokenizers.</summary>
public class DecodeBenchmarks : ITokenWorkload
{
    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    TiktokenTokenizer _peer = null!;
    int[] _ids = [];
    byte[] _utf8 = [];

    [Params(Corpus.Prose, Corpus.Multilingual)]
    public Corpus Corpus { get; set; }

    public long TokensPerOperation => _ids.Length;

    public long Utf8BytesPerOperation => _utf8.Length;

    [GlobalSetup]
    public void Setup()
    {
        var text = TokenizerTexts.Build(Corpus, 64 * 1024);
        _peer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        _ids = _tokenizer.EncodeToIds(text);
        _utf8 = new byte[Encoding.UTF8.GetByteCount(text) + 16];
        if (_tokenizer.Decode(_ids) != text)
            throw new InvalidOperationException("decode does not give back the encoded text");
    }

    [Benchmark(Baseline = true)]
    public int MicrosoftMlDecode() => _peer.Decode(_ids)!.Length;

    [Benchmark]
    public int DecodeToString() => _tokenizer.Decode(_ids).Length;

    [Benchmark]
    [HotPath(Goal = "0 B/op: ids into a caller UTF-8 buffer")]
    public int DecodeToUtf8Buffer()
    {
        _tokenizer.DecodeToUtf8(_ids, _utf8, out _, out var written);
        return written;
    }
}

/// <summary>Counting the tokens of the same texts without producing them, against Microsoft.ML.Tokenizers' CountTokens.</summary>
public class CountBenchmarks : ITokenWorkload
{
    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    TiktokenTokenizer _peer = null!;
    string _text = "";
    int _tokens;

    [Params(Corpus.Prose, Corpus.Multilingual)]
    public Corpus Corpus { get; set; }

    public long TokensPerOperation => _tokens;

    public long Utf8BytesPerOperation => Encoding.UTF8.GetByteCount(_text);

    [GlobalSetup]
    public void Setup()
    {
        _text = TokenizerTexts.Build(Corpus, 64 * 1024);
        _peer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        _tokens = _tokenizer.CountTokens(_text);
        if (_tokens != _peer.CountTokens(_text))
            throw new InvalidOperationException("CountTokens disagrees with Microsoft.ML.Tokenizers");
    }

    [Benchmark(Baseline = true)]
    public int MicrosoftMlCountTokens() => _peer.CountTokens(_text);

    [Benchmark]
    public int CountTokens() => _tokenizer.CountTokens(_text);
}

/// <summary>
/// The no-space worst case against Microsoft.ML.Tokenizers (the baseline): text without any space is one pre-token,
/// which a plain BPE merge handles in quadratic time. Kept to 16 KB so the baseline finishes in a benchmark's time;
/// <see cref="WorstCaseBenchmarks"/> has the 256 KB and 1 MB sizes against our own prose throughput.
/// </summary>
public class NoSpaceEncodeBenchmarks : ITokenWorkload
{
    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    TiktokenTokenizer _peer = null!;
    string _text = "";
    int[] _ids = [];
    int _tokens;

    [Params(16 * 1024)]
    public int Bytes { get; set; }

    public long TokensPerOperation => _tokens;

    public long Utf8BytesPerOperation => Bytes;

    [GlobalSetup]
    public void Setup()
    {
        _text = TokenizerTexts.NoSpaces(Bytes);
        _ids = new int[Bytes + 16];
        _peer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        var ours = _tokenizer.EncodeToIds(_text);
        if (!ours.AsSpan().SequenceEqual(_peer.EncodeToIds(_text).ToArray()))
            throw new InvalidOperationException("the tokenizer disagrees with Microsoft.ML.Tokenizers on the no-space text");
        _tokens = ours.Length;
    }

    [Benchmark(Baseline = true)]
    public int MicrosoftMlEncodeToIds() => _peer.EncodeToIds(_text).Count;

    [Benchmark]
    public int EncodeIntoBuffer()
    {
        _tokenizer.EncodeToIds(_text, _ids, out _, out var written);
        return written;
    }
}

/// <summary>
/// The linear worst case: 1 MB (UTF-8) of text without spaces, and of one repeated character, encoded into a buffer,
/// against as much prose by the same tokenizer (the baseline). The goal is at least a third of the prose throughput;
/// a quadratic merge would be hundreds of times slower here. Microsoft.ML.Tokenizers is left out: its merge is the
/// quadratic one. The CI guard checks the 256 KB size (a quadratic merge is already 16x too slow there, and a slow
/// build must not eat CI's time); full runs measure both.
/// </summary>
public class WorstCaseBenchmarks : ITokenWorkload
{
    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    string _prose = "";
    string _noSpaces = "";
    string _repeated = "";
    int[] _ids = [];
    readonly Dictionary<string, WorkloadSize> _sizes = [];

    [Params(256 * 1024, 1024 * 1024)]
    public int Bytes { get; set; }

    public long TokensPerOperation => _sizes.GetValueOrDefault(nameof(EncodeProse)).Tokens;

    public WorkloadSize SizeOf(string benchmarkMethod) => _sizes.GetValueOrDefault(benchmarkMethod);

    [GlobalSetup]
    public void Setup()
    {
        // ASCII text: chars = UTF-8 bytes.
        _prose = TokenizerTexts.Build(Corpus.Prose, Bytes)[..Bytes];
        _noSpaces = TokenizerTexts.NoSpaces(Bytes);
        _repeated = TokenizerTexts.RepeatedCharacter(Bytes);
        _ids = new int[Bytes + 16];
        _sizes[nameof(EncodeProse)] = new(_tokenizer.CountTokens(_prose), Encoding.UTF8.GetByteCount(_prose));
        _sizes[nameof(EncodeNoSpaces)] = new(_tokenizer.CountTokens(_noSpaces), Bytes);
        _sizes[nameof(EncodeRepeatedCharacter)] = new(_tokenizer.CountTokens(_repeated), Bytes);
    }

    int Encode(string text)
    {
        var status = _tokenizer.EncodeToIds(text, _ids, out _, out var written);
        return status == OperationStatus.Done ? written : -1;
    }

    [Benchmark(Baseline = true)]
    public int EncodeProse() => Encode(_prose);

    [Benchmark]
    [HotPath(MinSpeedup = 1.0 / 60, ParametersContaining = "Bytes=262144", Goal = "regression floor only: random letters reach 1/25 to 1/33 of prose, the 1/3 goal is not met (see docs/performance.md)")]
    public int EncodeNoSpaces() => Encode(_noSpaces);

    [Benchmark]
    [HotPath(MinSpeedup = 1.0 / 4, ParametersContaining = "Bytes=262144", Goal = "1/3 of prose throughput (0.74-0.79x measured; the floor leaves room for CI noise)")]
    public int EncodeRepeatedCharacter() => Encode(_repeated);
}
