using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Tokenizer;

/// <summary>
/// Long pieces of real text: every pre-tokenizer piece of more than <see cref="BytePairMerger.ShortPieceLimit"/>
/// UTF-8 bytes in the 8 MiB CJK/Thai corpus (<see cref="RealTexts"/>: runs of Chinese, Japanese or Thai with no
/// space or punctuation), each encoded through the public API, against prose by the same tokenizer in the same run:
/// generated English prose (the baseline, 64 K chars repeated, as <see cref="EncodeBenchmarks"/>) and the 8 MiB
/// English real-text corpus. The goal is a third of prose throughput. The whole CJK/Thai corpus and the backtracking
/// encoder alone on the same pieces are measured for context. Long pieces are not cached whole (they exceed the piece
/// cache's keys), but the per-thread pair-rank cache is warm after the first operation, as it is in running text.
/// </summary>
public class LongPieceEncodeBenchmarks : ITokenWorkload
{
    const int ProseChars = 64 * 1024;

    readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    readonly Dictionary<string, WorkloadSize> _sizes = [];
    string _prose = "";
    string _english = "";
    string _cjkThai = "";
    string _pieceText = "";
    int[] _pieceEnds = [];
    byte[] _pieceBytes = [];
    int[] _pieceByteEnds = [];
    int[] _ids = [];

    public long TokensPerOperation => _sizes.GetValueOrDefault(nameof(EncodeProse)).Tokens;

    public WorkloadSize SizeOf(string benchmarkMethod) => _sizes.GetValueOrDefault(benchmarkMethod);

    [GlobalSetup]
    public void Setup()
    {
        _prose = TokenizerTexts.Build(Corpus.Prose, ProseChars)[..ProseChars];
        _english = RealTexts.Build(RealCorpus.English);
        _cjkThai = RealTexts.Build(RealCorpus.CjkThai);
        var pieces = new StringBuilder();
        var ends = new List<int>();
        ReadOnlySpan<char> text = _cjkThai;
        for (int start = 0; start < text.Length;)
        {
            int end = O200kPreTokenizer.NextPieceEnd(text, start);
            if (Encoding.UTF8.GetByteCount(text[start..end]) > BytePairMerger.ShortPieceLimit)
            {
                pieces.Append(text[start..end]);
                ends.Add(pieces.Length);
            }
            start = end;
        }
        if (ends.Count == 0)
            throw new InvalidOperationException("the CJK/Thai corpus has no piece over 128 bytes on this machine");
        _pieceText = pieces.ToString();
        _pieceEnds = [.. ends];
        _pieceBytes = Encoding.UTF8.GetBytes(_pieceText);
        _pieceByteEnds = [.. ends.Select((end, i) => Encoding.UTF8.GetByteCount(_pieceText.AsSpan(0, end)))];
        _ids = new int[Math.Max(_english.Length, _cjkThai.Length) + 16];

        // Differential check: cutting a piece where no token crosses gives the ids of merging it whole.
        var whole = new int[_pieceBytes.Length];
        int parts = 0;
        for (int i = 0, start = 0; i < _pieceByteEnds.Length; start = _pieceByteEnds[i++])
        {
            ReadOnlySpan<byte> piece = _pieceBytes.AsSpan(start, _pieceByteEnds[i] - start);
            int expected = BytePairMerger.MergeBySimulation(_tokenizer.Vocabulary, piece, whole);
            int actual = BytePairMerger.Merge(_tokenizer.Vocabulary, piece, _ids);
            if (!_ids.AsSpan(0, actual).SequenceEqual(whole.AsSpan(0, expected)))
                throw new InvalidOperationException($"long piece {i}: cutting changes its ids");
            for (int end = 0; end < piece.Length; end = _tokenizer.Vocabulary.PieceSplitter.NextPartEnd(piece, end))
                parts++;
        }
        int pieceTokens = EncodeLongPieces();
        if (EncodeLongPiecesByBacktracking() != pieceTokens)
            throw new InvalidOperationException("the backtracking encoder gives another token count on the long pieces");
        _sizes[nameof(EncodeProse)] = new(EncodeProse(), Encoding.UTF8.GetByteCount(_prose));
        _sizes[nameof(EncodeEnglishCorpus)] = new(EncodeEnglishCorpus(), Encoding.UTF8.GetByteCount(_english));
        _sizes[nameof(EncodeCjkThaiCorpus)] = new(EncodeCjkThaiCorpus(), Encoding.UTF8.GetByteCount(_cjkThai));
        _sizes[nameof(EncodeLongPieces)] = new(pieceTokens, _pieceBytes.Length);
        _sizes[nameof(EncodeLongPiecesByBacktracking)] = new(pieceTokens, _pieceBytes.Length);
        Console.WriteLine($"// long pieces of the CJK/Thai corpus: {_pieceEnds.Length} pieces, {_pieceBytes.Length} bytes, {pieceTokens} tokens, cut into {parts} parts");
    }

    int Encode(ReadOnlySpan<char> text)
    {
        var status = _tokenizer.EncodeToIds(text, _ids, out _, out var written);
        return status == OperationStatus.Done ? written : -1;
    }

    [Benchmark(Baseline = true)]
    public int EncodeProse() => Encode(_prose);

    [Benchmark]
    public int EncodeEnglishCorpus() => Encode(_english);

    [Benchmark]
    public int EncodeCjkThaiCorpus() => Encode(_cjkThai);

    [Benchmark]
    [HotPath(MinSpeedup = 1.0 / 5, Goal = "1/3 of prose throughput for long pieces of real text: 0.29-0.48x of generated prose in the standalone run, 0.50-0.55x in the guard's job, 0.71-0.78x of the English corpus, measured on 2026-12-02 after the cut test looked at each pair's context (0.23-0.28x before, 0.05x before pieces were cut); the floor catches a return to the pair-only cut test or whole-piece merging")]
    public int EncodeLongPieces()
    {
        ReadOnlySpan<char> text = _pieceText;
        int total = 0;
        int start = 0;
        foreach (int end in _pieceEnds)
        {
            total += Encode(text[start..end]);
            start = end;
        }
        return total;
    }

    /// <summary>The backtracking encoder alone (pieces over 1,024 bytes take it; real text's never do).</summary>
    [Benchmark]
    public int EncodeLongPiecesByBacktracking()
    {
        var encoder = _tokenizer.Vocabulary.LongPieceEncoder;
        int total = 0;
        int start = 0;
        foreach (int end in _pieceByteEnds)
        {
            total += encoder.Encode(_pieceBytes.AsSpan(start, end - start), _ids);
            start = end;
        }
        return total;
    }
}
