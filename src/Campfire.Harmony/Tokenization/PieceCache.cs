using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// A per-thread cache of the merge results of pieces (and parts of cut pieces) that are not single tokens (words split
/// into several tokens recur constantly in real text, and merging costs far more than a lookup). Two-way set
/// associative, filled in turn: a direct-mapped table lost one in five of the recurring parts of CJK/Thai text to
/// collisions at a third of its slots in use. One per thread, created on first use and never shared, so it needs no
/// locks and keeps encoding allocation-free once warm.
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
    private readonly byte[] _nextWay = new byte[1 << (SlotBits - 1)];   // the way of each set that the next Add replaces

    public static PieceCache Current => t_current ??= new PieceCache();

    /// <summary>Finds the cached ids of <paramref name="piece"/> (at most <see cref="MaxKeyBytes"/> bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ReadOnlySpan<byte> piece, uint hash, out ReadOnlySpan<int> ids)
    {
        Debug.Assert(piece.Length <= MaxKeyBytes, "callers look up only pieces that fit a key slot");
        int slot = FirstSlot(hash);
        if (Holds(slot, piece) || Holds(++slot, piece))
        {
            Debug.Assert(_idCounts[slot] <= MaxIds, "Add stores at most MaxIds ids per slot");
            ids = MemoryMarshal.CreateReadOnlySpan(ref _ids[slot * MaxIds], _idCounts[slot]);
            return true;
        }
        ids = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstSlot(uint hash) => (int)(hash & ((1 << (SlotBits - 1)) - 1)) * 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Holds(int slot, ReadOnlySpan<byte> piece) =>
        _keyLengths[slot] == piece.Length &&
        piece.SequenceEqual(MemoryMarshal.CreateReadOnlySpan(ref _keys[slot * MaxKeyBytes], piece.Length));

    public void Add(ReadOnlySpan<byte> piece, uint hash, ReadOnlySpan<int> ids)
    {
        if (piece.Length > MaxKeyBytes || ids.Length > MaxIds)
            return;
        int set = FirstSlot(hash) / 2;
        int slot = (set * 2) + _nextWay[set];
        _nextWay[set] ^= 1;
        piece.CopyTo(_keys.AsSpan(slot * MaxKeyBytes));
        ids.CopyTo(_ids.AsSpan(slot * MaxIds));
        _keyLengths[slot] = (byte)piece.Length;
        _idCounts[slot] = (byte)ids.Length;
    }
}
