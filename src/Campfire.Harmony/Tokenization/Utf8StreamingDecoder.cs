using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Decodes ids one at a time (as a model generates them) without ever emitting part of a code point: the bytes of a
/// UTF-8 sequence split across tokens are held back (at most 3) until the token that completes it arrives.
/// A small mutable struct in the style of <see cref="System.Text.Json.Utf8JsonReader"/>: keep it in a field or local
/// and pass it by reference; a copy is a snapshot of the state. The byte output passes ill-formed sequences through once
/// they can no longer be completed, or, when made with <c>replaceInvalidSequences</c>, writes U+FFFD for each maximal
/// ill-formed subsequence; the char output always replaces them. Call <see cref="Flush(Span{byte}, out int)"/> at the
/// end of the stream.
/// </summary>
[SkipLocalsInit]
public struct Utf8StreamingDecoder
{
    /// <summary>Held bytes and token bytes are joined on the stack up to this length (every o200k token fits).</summary>
    private const int StackJoinLength = 256;

    /// <summary>
    /// Room that always suffices for one <see cref="Append(int, Span{byte}, out int)"/> call; three times as much when
    /// invalid sequences are replaced, since one ill-formed byte becomes the three bytes of U+FFFD.
    /// </summary>
    public static int MaxBytesPerToken => O200kHarmonyTokenizer.Instance.MaxTokenByteLength + 3;

    private uint _pending;       // held bytes, first one in the low byte
    private int _pendingCount;
    private readonly bool _replaceInvalidSequences;

    /// <summary>A decoder whose byte output replaces ill-formed UTF-8 with U+FFFD when <paramref name="replaceInvalidSequences"/>
    /// (as the char output always does) instead of passing it through; <c>new Utf8StreamingDecoder()</c> passes it through.</summary>
    /// <param name="replaceInvalidSequences">Write U+FFFD for each maximal ill-formed subsequence in the byte output, and
    /// for the held bytes of an unfinished sequence at <see cref="Flush(Span{byte}, out int)"/>.</param>
    public Utf8StreamingDecoder(bool replaceInvalidSequences) => _replaceInvalidSequences = replaceInvalidSequences;

    /// <summary>Number of bytes held back because they start a code point that is not complete yet.</summary>
    public readonly int PendingByteCount => _pendingCount;

    /// <summary>Whether the byte output replaces ill-formed UTF-8 with U+FFFD (the char output always does).</summary>
    public readonly bool ReplacesInvalidSequences => _replaceInvalidSequences;

    /// <summary>
    /// Adds one id and writes every byte that now ends on a code-point boundary. On
    /// <see cref="OperationStatus.DestinationTooSmall"/> nothing is written and the state is unchanged.
    /// </summary>
    /// <exception cref="UnknownTokenIdException">The id is outside the vocabulary.</exception>
    public OperationStatus Append(int tokenId, Span<byte> destination, out int bytesWritten) =>
        Append(O200kHarmonyTokenizer.Instance.GetTokenBytes(tokenId), destination, out bytesWritten);

    /// <summary>
    /// Adds the bytes of one token (for callers that already hold them) and writes every byte that now ends on a
    /// code-point boundary. On <see cref="OperationStatus.DestinationTooSmall"/> nothing is written and the state is
    /// unchanged.
    /// </summary>
    public OperationStatus Append(ReadOnlySpan<byte> tokenBytes, Span<byte> destination, out int bytesWritten)
    {
        byte[]? rented = null;
        Span<byte> joined = JoinWithPending(tokenBytes, stackalloc byte[StackJoinLength], ref rented);

        int complete = Utf8Sequence.CompletePrefixLength(joined);
        OperationStatus status;
        if (_replaceInvalidSequences)
        {
            status = Utf8Sequence.TryCopyReplacingInvalid(joined[..complete], destination, out bytesWritten)
                ? OperationStatus.Done
                : OperationStatus.DestinationTooSmall;
        }
        else
        {
            bytesWritten = complete;
            status = joined[..complete].TryCopyTo(destination) ? OperationStatus.Done : OperationStatus.DestinationTooSmall;
        }

        if (status == OperationStatus.Done)
            Hold(joined[complete..]);
        else
            bytesWritten = 0;
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
        return status;
    }

    /// <summary>
    /// Adds one id and writes the chars of every code point it completes (ill-formed UTF-8 as U+FFFD). On
    /// <see cref="OperationStatus.DestinationTooSmall"/> nothing is written and the state is unchanged.
    /// </summary>
    /// <exception cref="UnknownTokenIdException">The id is outside the vocabulary.</exception>
    public OperationStatus Append(int tokenId, Span<char> destination, out int charsWritten)
    {
        byte[]? rented = null;
        Span<byte> joined = JoinWithPending(O200kHarmonyTokenizer.Instance.GetTokenBytes(tokenId), stackalloc byte[StackJoinLength], ref rented);

        int complete = Utf8Sequence.CompletePrefixLength(joined);
        OperationStatus status = Utf8.ToUtf16(joined[..complete], destination, out _, out charsWritten, replaceInvalidSequences: true, isFinalBlock: true);
        if (status == OperationStatus.Done)
        {
            Hold(joined[complete..]);
        }
        else
        {
            charsWritten = 0;
            status = OperationStatus.DestinationTooSmall;
        }
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
        return status;
    }

    /// <summary>
    /// Ends the stream and resets the state: writes the held bytes (an incomplete sequence) as they are, or one U+FFFD
    /// for them when invalid sequences are replaced.
    /// </summary>
    public OperationStatus Flush(Span<byte> destination, out int bytesWritten)
    {
        if (_pendingCount == 0)
        {
            bytesWritten = 0;
            return OperationStatus.Done;
        }
        ReadOnlySpan<byte> output = _replaceInvalidSequences ? Utf8Sequence.ReplacementCharacter : PendingBytes(stackalloc byte[4]);
        if (!output.TryCopyTo(destination))
        {
            bytesWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        bytesWritten = output.Length;
        Reset();
        return OperationStatus.Done;
    }

    /// <summary>Ends the stream: writes U+FFFD for held bytes (an incomplete sequence) and resets the state.</summary>
    public OperationStatus Flush(Span<char> destination, out int charsWritten)
    {
        if (_pendingCount == 0)
        {
            charsWritten = 0;
            return OperationStatus.Done;
        }
        if (destination.IsEmpty)
        {
            charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        destination[0] = '\uFFFD';
        charsWritten = 1;
        Reset();
        return OperationStatus.Done;
    }

    /// <summary>Forgets any held bytes (the replacement setting stays).</summary>
    public void Reset()
    {
        _pending = 0;
        _pendingCount = 0;
    }

    /// <summary>The held bytes followed by the token's bytes: in <paramref name="scratch"/> when they fit, else in an
    /// array rented into <paramref name="rented"/>, so that no token, however long, allocates.</summary>
    private readonly Span<byte> JoinWithPending(ReadOnlySpan<byte> token, Span<byte> scratch, ref byte[]? rented)
    {
        int total = _pendingCount + token.Length;
        Span<byte> joined = total <= scratch.Length ? scratch[..total] : (rented = ArrayPool<byte>.Shared.Rent(total)).AsSpan(0, total);
        PendingBytes(joined);
        token.CopyTo(joined[_pendingCount..]);
        return joined;
    }

    /// <summary>Writes the held bytes at the start of <paramref name="destination"/> and returns them there.</summary>
    private readonly Span<byte> PendingBytes(Span<byte> destination)
    {
        for (int i = 0; i < _pendingCount; i++)
            destination[i] = (byte)(_pending >> (8 * i));
        return destination[.._pendingCount];
    }

    private void Hold(ReadOnlySpan<byte> tail)
    {
        Debug.Assert(tail.Length <= 3, "only an incomplete code point is held, and it has at most 3 bytes");
        uint pending = 0;
        for (int i = 0; i < tail.Length; i++)
            pending |= (uint)tail[i] << (8 * i);
        _pending = pending;
        _pendingCount = tail.Length;
    }
}
