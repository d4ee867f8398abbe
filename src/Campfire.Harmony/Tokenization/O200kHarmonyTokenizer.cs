using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// The o200k_harmony tokenizer (gpt-oss): o200k_base's pre-tokenization and 199,998 BPE ranks plus the Harmony
/// special tokens, 201,088 ids in all. Output is token-for-token identical to Microsoft.ML.Tokenizers' tiktoken
/// o200k tokenizer. The ranks are read once, on first use, from the Microsoft.ML.Tokenizers.Data.O200kBase assembly.
/// All members are thread-safe; encoding and decoding into caller buffers allocate nothing.
/// </summary>
[SkipLocalsInit]
public sealed class O200kHarmonyTokenizer
{
    /// <summary>Pieces up to this many chars are converted to UTF-8 on the stack (3 bytes per char at most).</summary>
    private const int StackPieceChars = 64;

    private static readonly Lazy<O200kHarmonyTokenizer> LazyInstance =
        new(() => new O200kHarmonyTokenizer(O200kVocabulary.Load()), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly O200kVocabulary _vocabulary;
    private readonly int[] _asciiRanks;

    private O200kHarmonyTokenizer(O200kVocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _asciiRanks = new int[128];
        Span<byte> one = stackalloc byte[1];
        for (int c = 0; c < 128; c++)
        {
            one[0] = (byte)c;
            _asciiRanks[c] = vocabulary.GetRank(one);
        }
    }

    /// <summary>The shared instance; the first access loads the ranks (see docs/performance.md for the cost).</summary>
    public static O200kHarmonyTokenizer Instance => LazyInstance.Value;

    /// <summary>Number of ids (201,088).</summary>
    public int VocabularySize => HarmonyTokens.VocabularySize;

    /// <summary>Length in bytes of the longest token; a buffer this long (plus 3) always fits one streamed token.</summary>
    public int MaxTokenByteLength => _vocabulary.MaxTokenByteLength;

    // ---------------------------------------------------------------- encoding

    /// <summary>Encodes <paramref name="text"/>; special-token literals are ordinary text unless <paramref name="allowSpecialTokens"/>.</summary>
    public int[] EncodeToIds(string text, bool allowSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ArrayBuilderSink(text.Length);
        EncodeCore(text, ref sink, out _, allowSpecialTokens);
        return sink.ToArray();
    }

    /// <summary>
    /// Encodes into <paramref name="destination"/>. Returns <see cref="OperationStatus.DestinationTooSmall"/> when the
    /// ids of the next piece do not fit; encoding <c>text[charsConsumed..]</c> then continues exactly where it stopped.
    /// </summary>
    public OperationStatus EncodeToIds(ReadOnlySpan<char> text, Span<int> destination, out int charsConsumed, out int idsWritten, bool allowSpecialTokens = false)
    {
        var sink = new SpanTokenSink(destination);
        OperationStatus status = EncodeCore(text, ref sink, out charsConsumed, allowSpecialTokens);
        idsWritten = sink.Written;
        return status;
    }

    /// <summary>
    /// Encodes UTF-8 text into <paramref name="destination"/>. <see cref="OperationStatus.InvalidData"/>: the input holds
    /// ill-formed UTF-8 at offset <paramref name="bytesConsumed"/>; the ids of the text before it (encoded as if the text
    /// ended there) have been written. <see cref="OperationStatus.DestinationTooSmall"/> resumes like the char overload.
    /// </summary>
    public OperationStatus EncodeUtf8ToIds(ReadOnlySpan<byte> utf8, Span<int> destination, out int bytesConsumed, out int idsWritten, bool allowSpecialTokens = false)
    {
        char[] rented = ArrayPool<char>.Shared.Rent(Math.Max(utf8.Length, 1));
        try
        {
            OperationStatus transcoding = Utf8.ToUtf16(utf8, rented, out int bytesRead, out int charsWritten, replaceInvalidSequences: false, isFinalBlock: true);
            ReadOnlySpan<char> text = rented.AsSpan(0, charsWritten);
            OperationStatus status = EncodeToIds(text, destination, out int charsConsumed, out idsWritten, allowSpecialTokens);
            if (status != OperationStatus.Done)
            {
                bytesConsumed = Encoding.UTF8.GetByteCount(text[..charsConsumed]);
                return status;
            }
            bytesConsumed = bytesRead;
            return transcoding == OperationStatus.Done ? OperationStatus.Done : OperationStatus.InvalidData;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Encodes into a buffer writer; returns the number of ids written. Allocates nothing once warm (given a writer that does not).</summary>
    public int EncodeToIds(ReadOnlySpan<char> text, IBufferWriter<int> destination, bool allowSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int total = 0;
        int sizeHint = Math.Clamp(text.Length / 3, 16, 1 << 16);
        while (true)
        {
            Span<int> span = destination.GetSpan(sizeHint);
            var sink = new SpanTokenSink(span);
            OperationStatus status = EncodeCore(text, ref sink, out int consumed, allowSpecialTokens);
            destination.Advance(sink.Written);
            total += sink.Written;
            if (status == OperationStatus.Done)
                return total;
            text = text[consumed..];
            sizeHint = Math.Max(sink.Needed, Math.Clamp(text.Length / 3, 16, 1 << 16));
        }
    }

    /// <summary>Number of ids <see cref="EncodeToIds(string, bool)"/> would return; allocates nothing.</summary>
    public int CountTokens(ReadOnlySpan<char> text, bool allowSpecialTokens = false)
    {
        var sink = new CountingTokenSink();
        EncodeCore(text, ref sink, out _, allowSpecialTokens);
        return sink.Count;
    }

    private OperationStatus EncodeCore<TSink>(ReadOnlySpan<char> text, ref TSink sink, out int charsConsumed, bool allowSpecialTokens)
        where TSink : ITokenSink, allows ref struct
    {
        int position = 0;
        while (position < text.Length)
        {
            // Text between special tokens is split on its own, as if it ended at the special token.
            int segmentEnd = text.Length;
            int specialId = -1;
            int specialLength = 0;
            if (allowSpecialTokens)
            {
                int found = SpecialTokenTable.Find(text[position..], out int id, out int length);
                if (found >= 0)
                {
                    segmentEnd = position + found;
                    specialId = id;
                    specialLength = length;
                }
            }

            ReadOnlySpan<char> segment = text[..segmentEnd];
            while (position < segmentEnd)
            {
                int end = O200kPreTokenizer.NextPieceEnd(segment, position);
                if (!EncodePiece(segment[position..end], ref sink))
                {
                    charsConsumed = position;
                    return OperationStatus.DestinationTooSmall;
                }
                position = end;
            }

            if (specialId >= 0)
            {
                if (!sink.TryWrite(specialId))
                {
                    charsConsumed = position;
                    return OperationStatus.DestinationTooSmall;
                }
                position += specialLength;
            }
        }
        charsConsumed = position;
        return OperationStatus.Done;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool EncodePiece<TSink>(ReadOnlySpan<char> piece, ref TSink sink)
        where TSink : ITokenSink, allows ref struct
    {
        if (piece.Length == 1 && piece[0] < 128)
            return sink.TryWrite(_asciiRanks[piece[0]]);
        return piece.Length <= StackPieceChars ? EncodeShortPiece(piece, ref sink) : EncodeLongPiece(piece, ref sink);
    }

    private bool EncodeShortPiece<TSink>(ReadOnlySpan<char> piece, ref TSink sink)
        where TSink : ITokenSink, allows ref struct
    {
        Span<byte> bytes = stackalloc byte[StackPieceChars * 3];
        int byteCount = Wtf8.Encode(piece, bytes);
        ReadOnlySpan<byte> utf8 = bytes[..byteCount];
        int rank = _vocabulary.GetRank(utf8);
        if (rank != O200kVocabulary.NotFound)
            return sink.TryWrite(rank);
        if (byteCount > PieceCache.MaxKeyBytes)
            return MergeAndWrite(utf8, ref sink);

        PieceCache cache = PieceCache.Current;
        uint hash = O200kVocabulary.HashBytes(utf8);
        if (cache.TryGet(utf8, hash, out ReadOnlySpan<int> cached))
            return sink.TryWrite(cached);
        Span<int> ranks = stackalloc int[PieceCache.MaxKeyBytes];
        int count = BytePairMerger.Merge(_vocabulary, utf8, ranks);
        cache.Add(utf8, hash, ranks[..count]);
        return sink.TryWrite(ranks[..count]);
    }

    private bool MergeAndWrite<TSink>(scoped ReadOnlySpan<byte> utf8, ref TSink sink)
        where TSink : ITokenSink, allows ref struct
    {
        Span<int> ranks = stackalloc int[StackPieceChars * 3];
        int count = BytePairMerger.Merge(_vocabulary, utf8, ranks);
        return sink.TryWrite(ranks[..count]);
    }

    private bool EncodeLongPiece<TSink>(ReadOnlySpan<char> piece, ref TSink sink)
        where TSink : ITokenSink, allows ref struct
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(piece.Length * 3);
        int[]? ranks = null;
        try
        {
            int byteCount = Wtf8.Encode(piece, bytes);
            ReadOnlySpan<byte> utf8 = bytes.AsSpan(0, byteCount);
            int rank = _vocabulary.GetRank(utf8);
            if (rank != O200kVocabulary.NotFound)
                return sink.TryWrite(rank);
            ranks = ArrayPool<int>.Shared.Rent(byteCount);
            int count = BytePairMerger.Merge(_vocabulary, utf8, ranks);
            return sink.TryWrite(ranks.AsSpan(0, count));
        }
        finally
        {
            if (ranks is not null)
                ArrayPool<int>.Shared.Return(ranks);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    // ---------------------------------------------------------------- ids

    /// <summary>True for every id in [0, 201,088): ordinary ranks and special tokens (reserved ones included).</summary>
    public bool IsValidId(int id) => (uint)id < HarmonyTokens.VocabularySize;

    /// <summary>True for the special tokens (ids 199,998 and above, reserved ones included).</summary>
    public bool IsSpecial(int id) => id >= HarmonyTokens.FirstSpecial && id < HarmonyTokens.VocabularySize;

    /// <summary>The bytes of a token: UTF-8 (or a fragment of a code point) for ordinary ids, the literal for special ones.</summary>
    /// <exception cref="UnknownTokenIdException">The id is outside the vocabulary.</exception>
    public ReadOnlySpan<byte> GetTokenBytes(int id)
    {
        if ((uint)id >= HarmonyTokens.VocabularySize)
            TokenizerThrowHelper.ThrowUnknownTokenId(id);
        return _vocabulary.GetBytes(id);
    }

    /// <summary>Looks up a special-token literal such as "&lt;|end|&gt;" (200007).</summary>
    public bool TryGetSpecialTokenId(ReadOnlySpan<char> literal, out int id) => SpecialTokenTable.TryGetId(literal, out id);

    // ---------------------------------------------------------------- decoding

    /// <summary>
    /// Writes the bytes of <paramref name="ids"/> (special tokens as their literal text) into <paramref name="destination"/>.
    /// Stops before the first id whose bytes do not fit (<see cref="OperationStatus.DestinationTooSmall"/>).
    /// The output can end inside a code point when the ids do; use <see cref="Utf8StreamingDecoder"/> to avoid that.
    /// </summary>
    /// <exception cref="UnknownTokenIdException">An id is outside the vocabulary (the exception names it and its index).</exception>
    public OperationStatus DecodeToUtf8(ReadOnlySpan<int> ids, Span<byte> destination, out int idsConsumed, out int bytesWritten)
    {
        int written = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= HarmonyTokens.VocabularySize)
                TokenizerThrowHelper.ThrowUnknownTokenId(id, i);
            ReadOnlySpan<byte> bytes = _vocabulary.GetBytes(id);
            if (!bytes.TryCopyTo(destination[written..]))
            {
                idsConsumed = i;
                bytesWritten = written;
                return OperationStatus.DestinationTooSmall;
            }
            written += bytes.Length;
        }
        idsConsumed = ids.Length;
        bytesWritten = written;
        return OperationStatus.Done;
    }

    /// <summary>Number of bytes <see cref="DecodeToUtf8"/> writes for <paramref name="ids"/>.</summary>
    /// <exception cref="UnknownTokenIdException">An id is outside the vocabulary.</exception>
    public int GetDecodedByteCount(ReadOnlySpan<int> ids)
    {
        int total = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= HarmonyTokens.VocabularySize)
                TokenizerThrowHelper.ThrowUnknownTokenId(id, i);
            total += _vocabulary.GetBytes(id).Length;
        }
        return total;
    }

    /// <summary>Decodes to a string (special tokens as their literal text); ill-formed UTF-8 becomes U+FFFD.</summary>
    /// <exception cref="UnknownTokenIdException">An id is outside the vocabulary (the exception names it and its index).</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        int byteCount = GetDecodedByteCount(ids);
        if (byteCount == 0)
            return string.Empty;
        byte[] rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            DecodeToUtf8(ids, rented, out _, out int written);
            return Encoding.UTF8.GetString(rented, 0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    internal O200kVocabulary Vocabulary => _vocabulary;

    /// <summary>Collects ids for the array-returning overload.</summary>
    private struct ArrayBuilderSink : ITokenSink
    {
        private int[] _buffer;
        private int _count;

        public ArrayBuilderSink(int textLength)
        {
            _buffer = new int[Math.Clamp(textLength / 3 + 4, 4, 1 << 20)];
            _count = 0;
        }

        public bool TryWrite(int id)
        {
            if (_count == _buffer.Length)
                Array.Resize(ref _buffer, _buffer.Length * 2);
            _buffer[_count++] = id;
            return true;
        }

        public bool TryWrite(scoped ReadOnlySpan<int> ids)
        {
            if (_count + ids.Length > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + ids.Length));
            ids.CopyTo(_buffer.AsSpan(_count));
            _count += ids.Length;
            return true;
        }

        public readonly int[] ToArray() => _count == _buffer.Length ? _buffer : _buffer.AsSpan(0, _count).ToArray();
    }
}
