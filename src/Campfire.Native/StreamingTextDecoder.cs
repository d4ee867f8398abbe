using System.Buffers;
using System.Diagnostics;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native;

/// <summary>
/// campfire_decoder's state: token bytes in, complete UTF-8 characters out, with U+FFFD for each maximal ill-formed
/// subsequence. The decoding is <see cref="Utf8StreamingDecoder"/>'s (with invalid sequences replaced); this adapter adds
/// the two steps the C ABI needs: <see cref="Decode"/> computes the text without changing the decoder, and
/// <see cref="Commit"/> applies it once the text has reached the caller's buffer.
/// </summary>
internal sealed class StreamingTextDecoder
{
    private Utf8StreamingDecoder _decoder = new(replaceInvalidSequences: true);
    private Utf8StreamingDecoder _decoded;   // the state after the last Decode, which Commit makes current

    public int HeldCount => _decoder.PendingByteCount;

    /// <summary>Appends the text completed by <paramref name="tokenBytes"/> to <paramref name="output"/> (with
    /// <paramref name="final"/>, also U+FFFD for an unfinished character) and returns how many bytes stay held back;
    /// the decoder itself changes only in <see cref="Commit"/>.</summary>
    public int Decode(ReadOnlySpan<byte> tokenBytes, IBufferWriter<byte> output, bool final)
    {
        Utf8StreamingDecoder next = _decoder;   // a copy: the struct's state is its value
        // Each held or token byte yields at most 3 output bytes (a lone ill-formed byte becomes U+FFFD), so this much
        // room makes both calls below succeed.
        Span<byte> destination = output.GetSpan(3 * (next.PendingByteCount + tokenBytes.Length) + 3);
        OperationStatus appended = next.Append(tokenBytes, destination, out int written);
        Debug.Assert(appended == OperationStatus.Done, "the destination has room for the worst case");
        if (final)
        {
            OperationStatus flushed = next.Flush(destination[written..], out int tail);
            Debug.Assert(flushed == OperationStatus.Done, "the destination has room for the worst case");
            written += tail;
        }
        output.Advance(written);
        _decoded = next;
        return next.PendingByteCount;
    }

    /// <summary>Keeps the last <paramref name="heldBack"/> bytes of (held + token) as the new held-back prefix: the
    /// state the last <see cref="Decode"/> computed, which must have been given the same token and returned
    /// <paramref name="heldBack"/>.</summary>
    public void Commit(ReadOnlySpan<byte> tokenBytes, int heldBack)
    {
        Debug.Assert(heldBack == _decoded.PendingByteCount && heldBack <= _decoder.PendingByteCount + tokenBytes.Length,
            "Commit follows the Decode of the same token");
        _decoder = _decoded;
    }

    public void Clear() => _decoder.Reset();
}
