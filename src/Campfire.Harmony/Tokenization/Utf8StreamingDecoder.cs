using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Decodes ids one at a time (as a model generates them) without ever emitting part of a code point: the bytes of a
/// UTF-8 sequence split across tokens are held back (at most 3) until the token that completes it arrives.
/// A small mutable struct in the style of <see cref="System.Text.Json.Utf8JsonReader"/>: keep it in a field or local
/// and pass it by reference. The byte output passes ill-formed sequences through once they can no longer be completed;
/// the char output replaces them with U+FFFD. Call <see cref="Flush(Span{byte}, out int)"/> at the end of the stream.
/// </summary>
[SkipLocalsInit]
public struct Utf8StreamingDecoder
{
    /// <summary>Room that always suffices for one <see cref="Append(int, Span{byte}, out int)"/> call.</summary>
    public static int MaxBytesPerToken => O200kHarmonyTokenizer.Instance.MaxTokenByteLength + 3;

    private uint _pending;       // held bytes, first one in the low byte
    private int _pendingCount;

    /// <summary>Number of bytes held back because they start a code point that is not complete yet.</summary>
    public readonly int PendingByteCount => _pendingCount;

    /// <summary>
    /// Adds one id and writes every byte that now ends on a code-point boundary. On
    /// <see cref="OperationStatus.DestinationTooSmall"/> nothing is written and the state is unchanged.
    /// </summary>
    /// <exception cref="UnknownTokenIdException">The id is outside the vocabulary.</exception>
    public OperationStatus Append(int tokenId, Span<byte> destination, out int bytesWritten)
    {
        ReadOnlySpan<byte> joined = JoinWithPending(tokenId, stackalloc byte[256]);

        int complete = CompletePrefixLength(joined);
        if (complete > destination.Length)
        {
            bytesWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        joined[..complete].CopyTo(destination);
        Hold(joined[complete..]);
        bytesWritten = complete;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Adds one id and writes the chars of every code point it completes (ill-formed UTF-8 as U+FFFD). On
    /// <see cref="OperationStatus.DestinationTooSmall"/> nothing is written and the state is unchanged.
    /// </summary>
    /// <exception cref="UnknownTokenIdException">The id is outside the vocabulary.</exception>
    public OperationStatus Append(int tokenId, Span<char> destination, out int charsWritten)
    {
        ReadOnlySpan<byte> joined = JoinWithPending(tokenId, stackalloc byte[256]);

        int complete = CompletePrefixLength(joined);
        OperationStatus status = Utf8.ToUtf16(joined[..complete], destination, out _, out charsWritten, replaceInvalidSequences: true, isFinalBlock: true);
        if (status != OperationStatus.Done)
        {
            charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        Hold(joined[complete..]);
        return OperationStatus.Done;
    }

    /// <summary>Ends the stream: writes the held bytes (an incomplete sequence) as they are and resets the state.</summary>
    public OperationStatus Flush(Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < _pendingCount)
        {
            bytesWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        for (int i = 0; i < _pendingCount; i++)
            destination[i] = (byte)(_pending >> (8 * i));
        bytesWritten = _pendingCount;
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

    /// <summary>Forgets any held bytes.</summary>
    public void Reset()
    {
        _pending = 0;
        _pendingCount = 0;
    }

    /// <summary>The held bytes followed by the token's bytes, in <paramref name="scratch"/> when they fit.</summary>
    private readonly ReadOnlySpan<byte> JoinWithPending(int tokenId, Span<byte> scratch)
    {
        ReadOnlySpan<byte> token = O200kHarmonyTokenizer.Instance.GetTokenBytes(tokenId);
        int total = _pendingCount + token.Length;
        Span<byte> joined = total <= scratch.Length ? scratch[..total] : new byte[total];
        for (int i = 0; i < _pendingCount; i++)
            joined[i] = (byte)(_pending >> (8 * i));
        token.CopyTo(joined[_pendingCount..]);
        return joined;
    }

    private void Hold(ReadOnlySpan<byte> tail)
    {
        uint pending = 0;
        for (int i = 0; i < tail.Length; i++)
            pending |= (uint)tail[i] << (8 * i);
        _pending = pending;
        _pendingCount = tail.Length;
    }

    /// <summary>
    /// Length of the prefix that does not end inside a code point: a trailing lead byte followed by fewer continuation
    /// bytes than it announces (and that could still be completed) is held back.
    /// </summary>
    internal static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        int length = bytes.Length;
        int lowest = Math.Max(0, length - 3);
        for (int start = length - 1; start >= lowest; start--)
        {
            byte b = bytes[start];
            if ((b & 0xC0) == 0x80)
                continue;                   // continuation byte: keep looking for its lead
            int needed = b switch
            {
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => 1,
            };
            if (start + needed <= length || !CanStillComplete(bytes[start..]))
                return length;
            return start;
        }
        return length;
    }

    /// <summary>Whether a truncated sequence is a valid prefix of some well-formed UTF-8 sequence.</summary>
    private static bool CanStillComplete(ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length < 2)
            return true;
        byte lead = prefix[0];
        byte second = prefix[1];
        bool secondOk = lead switch
        {
            0xE0 => second is >= 0xA0 and <= 0xBF,
            0xED => second is >= 0x80 and <= 0x9F,
            0xF0 => second is >= 0x90 and <= 0xBF,
            0xF4 => second is >= 0x80 and <= 0x8F,
            _ => (second & 0xC0) == 0x80,
        };
        if (!secondOk)
            return false;
        return prefix.Length < 3 || (prefix[2] & 0xC0) == 0x80;
    }
}
