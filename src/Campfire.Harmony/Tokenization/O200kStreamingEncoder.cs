using System.Buffers;
using System.Text.Unicode;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Encodes UTF-8 text that arrives in chunks of any size (a chunk may end inside a UTF-8 sequence or inside a piece)
/// and gives exactly the ids <see cref="O200kHarmonyTokenizer.EncodeUtf8ToIds"/> gives for the whole text. Memory
/// stays flat in the input size: each call transcodes its chunk, encodes the text up to the last point where a cut
/// cannot change a piece (a letter followed by a non-letter) and keeps only the rest, usually a few chars. Text
/// without any such point (a long run of one script with no punctuation or space) is kept until one arrives.
/// Not thread-safe; one instance per stream, reusable after <see cref="Reset"/>.
/// </summary>
public sealed class O200kStreamingEncoder
{
    private readonly O200kHarmonyTokenizer _tokenizer;
    private readonly bool _allowSpecialTokens;
    private char[] _chars = new char[4096];
    private int _charCount;
    private readonly byte[] _pending = new byte[4];
    private int _pendingCount;
    private long _bytesTranscoded;
    private bool _completed;
    private int _searchFloor = 1;   // no safe cut lies before it in the held text (checked in an earlier call)

    /// <summary>Creates an encoder over <paramref name="tokenizer"/>; special-token literals are text unless <paramref name="allowSpecialTokens"/>.</summary>
    public O200kStreamingEncoder(O200kHarmonyTokenizer tokenizer, bool allowSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _allowSpecialTokens = allowSpecialTokens;
    }

    /// <summary>
    /// After <see cref="OperationStatus.InvalidData"/>: the offset, from the start of the stream, of the first byte of
    /// the ill-formed sequence (the same offset <see cref="O200kHarmonyTokenizer.EncodeUtf8ToIds"/> reports); otherwise -1.
    /// </summary>
    public long InvalidDataOffset { get; private set; } = -1;

    /// <summary>Number of chars of text held back, waiting for the next chunk (for tests and diagnostics).</summary>
    public int BufferedChars => _charCount;

    /// <summary>
    /// Feeds the next chunk and appends to <paramref name="destination"/> the ids of all text that later chunks cannot
    /// change; returns how many were appended. With <paramref name="isFinalBlock"/> the rest is encoded too and the
    /// stream is complete (<see cref="OperationStatus.Done"/>). <see cref="OperationStatus.InvalidData"/>: the stream
    /// holds ill-formed UTF-8 at <see cref="InvalidDataOffset"/>; the ids of the text before it (encoded as if the
    /// text ended there) have been appended and the stream is complete. Otherwise returns
    /// <see cref="OperationStatus.NeedMoreData"/>. Feeding a completed stream throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public OperationStatus Encode(ReadOnlySpan<byte> utf8, bool isFinalBlock, IBufferWriter<int> destination, out int idsWritten)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_completed)
            throw new InvalidOperationException("The stream is complete; call Reset to encode another.");

        EnsureCapacity(_charCount + utf8.Length + _pendingCount + 2);
        bool invalid = false;
        if (_pendingCount > 0)
            invalid = !TranscodePendingSequence(ref utf8, isFinalBlock);
        if (!invalid && _pendingCount == 0 && (utf8.Length > 0 || isFinalBlock))
        {
            OperationStatus status = Utf8.ToUtf16(utf8, _chars.AsSpan(_charCount), out int read, out int written, replaceInvalidSequences: false, isFinalBlock: isFinalBlock);
            _charCount += written;
            _bytesTranscoded += read;
            if (status == OperationStatus.InvalidData)
                invalid = true;
            else if (status == OperationStatus.NeedMoreData)
            {
                utf8[read..].CopyTo(_pending);
                _pendingCount = utf8.Length - read;
            }
        }

        if (invalid)
            InvalidDataOffset = _bytesTranscoded;
        if (invalid || isFinalBlock)
        {
            idsWritten = _tokenizer.EncodeToIds(_chars.AsSpan(0, _charCount), destination, _allowSpecialTokens);
            _charCount = 0;
            _completed = true;
            return invalid ? OperationStatus.InvalidData : OperationStatus.Done;
        }

        ReadOnlySpan<char> text = _chars.AsSpan(0, _charCount);
        int cut = text.Length - 1;
        while (cut >= _searchFloor && !O200kPreTokenizer.IsSafeCut(text, cut, _allowSpecialTokens))
            cut--;
        idsWritten = 0;
        if (cut < _searchFloor)
            _searchFloor = Math.Max(1, text.Length - 1);
        else
        {
            _searchFloor = 1;
            idsWritten = _tokenizer.EncodeToIds(text[..cut], destination, _allowSpecialTokens);
            text[cut..].CopyTo(_chars);
            _charCount = text.Length - cut;
        }
        return OperationStatus.NeedMoreData;
    }

    /// <summary>Forgets all state; the encoder starts a new stream.</summary>
    public void Reset()
    {
        _charCount = 0;
        _pendingCount = 0;
        _bytesTranscoded = 0;
        _completed = false;
        _searchFloor = 1;
        InvalidDataOffset = -1;
    }

    /// <summary>
    /// Completes the UTF-8 sequence held back from the previous chunk with the first bytes of this one. Returns false
    /// on ill-formed UTF-8; otherwise <paramref name="utf8"/> is advanced past the bytes used.
    /// </summary>
    private bool TranscodePendingSequence(ref ReadOnlySpan<byte> utf8, bool isFinalBlock)
    {
        Span<byte> head = stackalloc byte[8];
        int held = _pendingCount;
        _pending.AsSpan(0, held).CopyTo(head);
        int taken = Math.Min(utf8.Length, 4);
        utf8[..taken].CopyTo(head[held..]);
        bool final = isFinalBlock && taken == utf8.Length;
        Span<char> chars = stackalloc char[8];
        OperationStatus status = Utf8.ToUtf16(head[..(held + taken)], chars, out int read, out int written, replaceInvalidSequences: false, isFinalBlock: final);
        chars[..written].CopyTo(_chars.AsSpan(_charCount));
        _charCount += written;
        _bytesTranscoded += read;
        if (status == OperationStatus.InvalidData)
        {
            _pendingCount = 0;
            return false;
        }
        if (read < held)
        {
            // Still unfinished: every byte of this chunk (at most 3 with the held ones) waits for the next.
            head[read..(held + taken)].CopyTo(_pending);
            _pendingCount = held + taken - read;
            utf8 = [];
            return true;
        }
        _pendingCount = 0;
        utf8 = utf8[(read - held)..];
        return true;
    }

    private void EnsureCapacity(int chars)
    {
        if (chars <= _chars.Length)
            return;
        var larger = new char[Math.Max(chars, _chars.Length * 2)];
        _chars.AsSpan(0, _charCount).CopyTo(larger);
        _chars = larger;
    }
}
