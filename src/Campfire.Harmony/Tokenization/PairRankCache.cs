using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// A per-thread, direct-mapped cache from a pair of adjacent tokens to the rank of their concatenated bytes (or
/// <see cref="O200kVocabulary.NotFound"/>). Merging looks up the rank of every new neighbour pair; in text of scripts
/// without spaces (CJK, Thai) those lookups miss the piece cache and, in the 8 MB rank table, the CPU caches too,
/// while the same token pairs recur constantly. The answer depends only on the two ranks, so a small table that stays
/// in L2 answers most of them. One per thread, never shared: no locks and no false sharing.
/// </summary>
[SkipLocalsInit]
internal sealed class PairRankCache
{
    private const int SlotBits = 15;                 // 32 K slots, 256 KB: 3/4 of lookups hit on CJK/Thai text
    private const int RankBits = 18;                 // ranks < 199,998 < 2^18
    private const ulong RankMask = (1UL << RankBits) - 1;
    private const ulong Filled = 1UL << 63;

    [ThreadStatic]
    private static PairRankCache? t_current;

    private readonly ulong[] _entries = new ulong[1 << SlotBits];
   // Filled | key << RankBits | rank (RankMask: no token)

    public static PairRankCache Current => t_current ??= new PairRankCache();

    /// <summary>
    /// The rank of the bytes of <paramref name="left"/> followed by those of <paramref name="right"/>, which are
    /// <paramref name="joinedBytes"/>; looked up in the vocabulary only on a cache miss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetRank(O200kVocabulary vocabulary, int left, int right, ReadOnlySpan<byte> joinedBytes)
    {
        Debug.Assert((uint)left <= RankMask && (uint)right <= RankMask, "only ordinary ranks are merged");
        ulong key = ((ulong)left << RankBits) | (uint)right;
        int slot = (int)((key * 0x9E3779B97F4A7C15UL) >> (64 - SlotBits));
        ref ulong entry = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_entries), slot);
        ulong tagged = Filled | (key << RankBits);
        ulong cached = entry;
        if ((cached & ~RankMask) == tagged)
        {
            ulong rank = cached & RankMask;
            return rank == RankMask ? O200kVocabulary.NotFound : (int)rank;
        }
        int found = vocabulary.GetRank(joinedBytes);
        entry = tagged | (found == O200kVocabulary.NotFound ? RankMask : (uint)found);
        return found;
    }
}
