using System.Buffers;
using System.Text;

namespace Campfire.Native;

/// <summary>
/// Token bytes in, complete UTF-8 characters out: an incomplete character at the end is held back (at most 3 bytes)
/// until the token that completes it; bytes that can never start or continue a character become U+FFFD, one per
/// maximal ill-formed subsequence, as a lossy UTF-8 decoder does.
/// </summary>
internal sealed class StreamingTextDecoder
{
    private readonly byte[] _held = new byte[4];
    private int _heldCount;

    public int HeldCount => _heldCount;

    /// <summary>Appends the text completed by <paramref name="tokenBytes"/> to <paramref name="output"/> and returns
    /// how many bytes stay held back; the decoder itself changes only in <see cref="Commit"/>.</summary>
    public int Decode(ReadOnlySpan<byte> tokenBytes, IBufferWriter<byte> output, bool final)
    {
        int total = _heldCount + tokenBytes.Length;
        byte[]? rented = null;
        Span<byte> joined = total <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(total));
        _held.AsSpan(0, _heldCount).CopyTo(joined);
        tokenBytes.CopyTo(joined[_heldCount..]);
        ReadOnlySpan<byte> pending = joined[..total];
        try
        {
            while (!pending.IsEmpty)
            {
                OperationStatus status = Rune.DecodeFromUtf8(pending, out _, out int consumed);
                if (status == OperationStatus.NeedMoreData && !final)
                {
                    return pending.Length;
                }

                if (status == OperationStatus.Done)
                {
                    output.Write(pending[..consumed]);
                }
                else
                {
                    output.Write("\uFFFD"u8);
                }

                pending = pending[consumed..];
            }

            return 0;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Keeps the last <paramref name="heldBack"/> bytes of (held + token) as the new held-back prefix.</summary>
    public void Commit(ReadOnlySpan<byte> tokenBytes, int heldBack)
    {
        Span<byte> next = stackalloc byte[4];
        int fromToken = Math.Min(heldBack, tokenBytes.Length);
        int fromHeld = heldBack - fromToken;
        _held.AsSpan(_heldCount - fromHeld, fromHeld).CopyTo(next);
        tokenBytes[^fromToken..].CopyTo(next[fromHeld..]);
        next[..heldBack].CopyTo(_held);
        _heldCount = heldBack;
    }

    public void Clear() => _heldCount = 0;
}
