using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// A per-thread, direct-mapped cache of the merge results of pieces that are not single tokens (words split into
/// several tokens recur constantly in real text, and merging costs far more than a lookup). One per thread, created on
/// first use and never shared, so it needs no locks and keeps encoding allocation-free once warm.
/// </summary>
[SkipLocalsInit]
internal sealed class PieceCache
{
    public const int MaxKeyBytes = 128;   // long enough for Thai, Devanagari or CJK runs, which are rarely one token
    public const int MaxIds = 40;
    private const int SlotBits = 11;

    [ThreadStatic]
    private static PieceCache? t_current;

    private readonly byte[] _keys = new byte[(1 << SlotBits) * MaxKeyBytes];
    private readonly int[] _ids = new int[(1 << SlotBits) * MaxIds];
    private readonly byte[] _keyLengths = new byte[1 << SlotBits];   // 0: empty slot
    private readonly byte[] _idCounts = new byte[1 << SlotBits];

    public static PieceCache Current => t_current ??= new PieceCache();

    /// <summary>Finds the cached ids of <paramref name="piece"/> (at most <see cref="MaxKeyBytes"/> bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ReadOnlySpan<byte> piece, uint hash, out ReadOnlySpan<int> ids)
    {
        Debug.Assert(piece.Length <= MaxKeyBytes, "callers look up only pieces that fit a key slot");
        int slot = (int)(hash & ((1 << SlotBits) - 1));
        if (_keyLengths[slot] == piece.Length &&
            piece.SequenceEqual(MemoryMarshal.CreateReadOnlySpan(ref _keys[slot * MaxKeyBytes], piece.Length)))
        {
            Debug.Assert(_idCounts[slot] <= MaxIds, "Add stores at most MaxIds ids per slot");
            ids = MemoryMarshal.CreateReadOnlySpan(ref _ids[slot * MaxIds], _idCounts[slot]);
            return true;
        }
        ids = default;
        return false;
    }

    public void Add(ReadOnlySpan<byte> piece, uint hash, ReadOnlySpan<int> ids)
    {
        if (piece.Length > MaxKeyBytes || ids.Length > MaxIds)
            return;
        int slot = (int)(hash & ((1 << SlotBits) - 1));
        piece.CopyTo(_keys.AsSpan(slot * MaxKeyBytes));
        ids.CopyTo(_ids.AsSpan(slot * MaxIds));
        _keyLengths[slot] = (byte)piece.Length;
        _idCounts[slot] = (byte)ids.Length;
    }
}
