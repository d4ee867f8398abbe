using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Byte-pair merging of one piece that is not itself a token: repeatedly merge the adjacent pair whose concatenation
/// has the lowest rank (the leftmost one on ties), as tiktoken does. Short pieces use tiktoken's array scan, longer
/// ones a linked list with a min-tree over blocks of positions (O(n log n)), both on token ranks with a per-thread
/// <see cref="PairRankCache"/>; pieces over <see cref="SimulationPieceLimit"/> bytes go to
/// <see cref="BacktrackingEncoder"/>, for which the simulation stays the fallback and the reference its tests use.
/// Long pieces, and pieces of non-Latin scripts from <see cref="CutPieceMinimum"/> bytes, are first cut where no token
/// can cross (<see cref="PieceSplitter"/>, which proves the cut exact) and merged part by part.
/// </summary>
[SkipLocalsInit]
internal static class BytePairMerger
{
    /// <summary>Pieces up to this many bytes are merged with the quadratic scan, which is faster when n is small.</summary>
    public const int ShortPieceLimit = 128;

    /// <summary>
    /// Pieces up to this many bytes are merged by simulation (the block min-tree), longer ones by the backtracking
    /// encoder. The simulation needs no tables of its own; the backtracking encoder is faster on long pieces (2-3x on
    /// real CJK/Thai pieces of 129-253 bytes, 5x on 4 KB of random letters) but its tables cost ~0.35 s to
    /// build and ~30 MB of memory. Real text seldom has pieces over 128 bytes and almost never over a few hundred (the
    /// longest in 8 MB of CJK/Thai text: 253), so such text never pays for the tables.
    /// </summary>
    public const int SimulationPieceLimit = 1024;

    /// <summary>
    /// Pieces of at least this many bytes that end in a multi-byte character (CJK, Thai, Hangul...) are cut where no
    /// token can cross before they are merged: their parts are mostly whole tokens or in the piece cache.
    /// </summary>
    public const int CutPieceMinimum = 16;

    private const int NoRank = O200kVocabulary.NotFound;

    /// <summary>Up to this many tokens, the array scan finds and removes a pair with plain loops instead of vector calls.</summary>
    private const int SmallCount = 24;

    /// <summary>Writes the ranks of <paramref name="piece"/> to <paramref name="ranks"/> (at least piece.Length long); returns the count.</summary>
    public static int Merge(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> ranks)
    {
        if (piece.Length <= ShortPieceLimit && (piece.Length < CutPieceMinimum || piece[^1] < 0x80))
            return MergeShort(vocabulary, piece, ranks);
        var cursor = new PartCursor(vocabulary.PieceSplitter, piece);
        int end = cursor.NextEnd();
        if (end == piece.Length)
            return MergeUncut(vocabulary, piece, ranks);

        // Cut where no token can cross (see PieceSplitter): the parts' ids, in order, are the piece's.
        PieceCache cache = PieceCache.Current;
        int count = 0;
        int start = 0;
        while (true)
        {
            count += MergePart(vocabulary, cache, piece[start..end], ranks[count..]);
            if (end == piece.Length)
                return count;
            start = end;
            end = cursor.NextEnd();
        }
    }

    /// <summary>One part of a cut piece: found whole in the vocabulary or the piece cache, else merged (and cached).</summary>
    private static int MergePart(O200kVocabulary vocabulary, PieceCache cache, ReadOnlySpan<byte> part, Span<int> ranks)
    {
        int rank = vocabulary.GetRank(part);
        if (rank != NoRank)
        {
            ranks[0] = rank;
            return 1;
        }
        if (part.Length > ShortPieceLimit)
            return MergeUncut(vocabulary, part, ranks);
        uint hash = O200kVocabulary.HashBytes(part);
        if (cache.TryGet(part, hash, out ReadOnlySpan<int> cached))
        {
            cached.CopyTo(ranks);
            return cached.Length;
        }
        int count = MergeShort(vocabulary, part, ranks);
        cache.Add(part, hash, ranks[..count]);
        return count;
    }

    private static int MergeUncut(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> ranks)
    {
        if (piece.Length <= ShortPieceLimit)
            return MergeShort(vocabulary, piece, ranks);
        if (piece.Length <= SimulationPieceLimit)
            return MergeLong(vocabulary, piece, ranks);
        int count = vocabulary.LongPieceEncoder.Encode(piece, ranks);
        return count >= 0 ? count : MergeLong(vocabulary, piece, ranks);
    }

    /// <summary>The merge simulation alone, for any length: the reference the long-piece encoder is checked against.</summary>
    internal static int MergeBySimulation(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> ranks) =>
        piece.Length <= ShortPieceLimit ? MergeShort(vocabulary, piece, ranks) : MergeLong(vocabulary, piece, ranks);

    /// <summary>
    /// tiktoken's array scan, on the ranks of the current tokens: the rank of a new neighbour pair comes from the
    /// per-thread <see cref="PairRankCache"/> (most pairs recur), and the result needs no final lookups.
    /// </summary>
    private static int MergeShort(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> output)
    {
        int n = piece.Length;
        Debug.Assert(n is > 0 and <= ShortPieceLimit, "callers pass short, non-empty pieces");
        PairRankCache cache = PairRankCache.Current;
        Span<int> starts = stackalloc int[ShortPieceLimit + 1];
        Span<int> tokens = stackalloc int[ShortPieceLimit];
        Span<int> pairRanks = stackalloc int[ShortPieceLimit];
        for (int i = 0; i < n - 1; i++)
        {
            starts[i] = i;
            tokens[i] = vocabulary.GetByteRank(piece[i]);
            pairRanks[i] = vocabulary.GetPairRank(piece[i], piece[i + 1]);
        }
        starts[n - 1] = n - 1;
        tokens[n - 1] = vocabulary.GetByteRank(piece[n - 1]);
        pairRanks[n - 1] = NoRank;
        starts[n] = n;
        int count = n;

        while (true)
        {
            int best;
            int bestIndex;
            if (count <= SmallCount)
            {
                // A plain scan finds the lowest rank and its leftmost place at once; calls cost more at this size.
                best = NoRank;
                bestIndex = 0;
                for (int i = 0; i < count - 1; i++)
                {
                    if (pairRanks[i] < best)
                    {
                        best = pairRanks[i];
                        bestIndex = i;
                    }
                }
                if (best == NoRank)
                    break;
                for (int i = bestIndex + 1; i < count - 1; i++)
                {
                    starts[i] = starts[i + 1];
                    tokens[i] = tokens[i + 1];
                    pairRanks[i] = pairRanks[i + 1];
                }
                starts[count - 1] = starts[count];
            }
            else
            {
                best = Minimum(pairRanks[..count]);
                if (best == NoRank)
                    break;
                bestIndex = pairRanks[..count].IndexOf(best);   // the leftmost of equal ranks, as tiktoken
                starts.Slice(bestIndex + 2, count - bestIndex - 1).CopyTo(starts[(bestIndex + 1)..]);
                tokens.Slice(bestIndex + 2, count - bestIndex - 2).CopyTo(tokens[(bestIndex + 1)..]);
                pairRanks.Slice(bestIndex + 2, count - bestIndex - 2).CopyTo(pairRanks[(bestIndex + 1)..]);
            }

            tokens[bestIndex] = best;
            count--;
            if (bestIndex > 0)
                pairRanks[bestIndex - 1] = cache.GetRank(vocabulary, tokens[bestIndex - 1], best, piece[starts[bestIndex - 1]..starts[bestIndex + 1]]);
            pairRanks[bestIndex] = bestIndex + 1 < count
                ? cache.GetRank(vocabulary, best, tokens[bestIndex + 1], piece[starts[bestIndex]..starts[bestIndex + 2]])
                : NoRank;
        }

        tokens[..count].CopyTo(output);
        return count;
    }

    /// <summary>The smallest value; vectorized, since the scan for the next merge runs over the whole piece once per merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Minimum(ReadOnlySpan<int> values)
    {
        ref int start = ref MemoryMarshal.GetReference(values);
        int length = values.Length;
        int i = 0;
        int minimum = int.MaxValue;
        if (Vector256.IsHardwareAccelerated && length >= Vector256<int>.Count)
        {
            Vector256<int> lanes = Vector256.LoadUnsafe(ref start);
            for (i = Vector256<int>.Count; i + Vector256<int>.Count <= length; i += Vector256<int>.Count)
                lanes = Vector256.Min(lanes, Vector256.LoadUnsafe(ref start, (nuint)i));
            lanes = Vector256.Min(lanes, Vector256.LoadUnsafe(ref start, (nuint)(length - Vector256<int>.Count)));
            Vector128<int> half = Vector128.Min(lanes.GetLower(), lanes.GetUpper());
            half = Vector128.Min(half, Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1)));
            half = Vector128.Min(half, Vector128.Shuffle(half, Vector128.Create(1, 0, 3, 2)));
            return half.ToScalar();
        }
        for (; i < length; i++)
            minimum = Math.Min(minimum, Unsafe.Add(ref start, i));
        return minimum;
    }

    /// <summary>Positions per block of the long-piece merge: a block's minimum is found by a short linear scan.</summary>
    private const int BlockSize = 32;

    /// <summary>
    /// Long pieces: the tokens form a linked list over byte positions; each position holds the rank of the pair it
    /// starts. The global minimum (lowest rank, then leftmost position) is kept in a min-tree over blocks of
    /// <see cref="BlockSize"/> positions, so a merge costs two block scans and O(log(n / BlockSize)) tree updates,
    /// on arrays small enough to stay in cache: O(n log n) worst case with a small constant, against tiktoken's O(n²).
    /// </summary>
    private static int MergeLong(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> output)
    {
        int n = piece.Length;
        int blockCount = (n + BlockSize - 1) / BlockSize;
        int leaves = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)blockCount);
        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] previous = ArrayPool<int>.Shared.Rent(n);
        int[] pairRanks = ArrayPool<int>.Shared.Rent(blockCount * BlockSize);
        int[] tokens = ArrayPool<int>.Shared.Rent(n);
        long[] tree = ArrayPool<long>.Shared.Rent(2 * leaves);
        PairRankCache cache = PairRankCache.Current;
        try
        {
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                tokens[i] = vocabulary.GetByteRank(piece[i]);
                pairRanks[i] = i + 1 < n ? vocabulary.GetPairRank(piece[i], piece[i + 1]) : NoRank;
            }
            pairRanks.AsSpan(n, blockCount * BlockSize - n).Fill(NoRank);
            for (int b = 0; b < leaves; b++)
                tree[leaves + b] = b < blockCount ? BlockMinimum(pairRanks, b) : long.MaxValue;
            for (int node = leaves - 1; node >= 1; node--)
                tree[node] = Math.Min(tree[2 * node], tree[2 * node + 1]);

            while (true)
            {
                long top = tree[1];
                if ((int)(top >> 32) == NoRank)
                    break;
                int merged = (int)(top >> 32);
                int left = (int)top;
                int right = next[left];
                int end = next[right];
                tokens[left] = merged;
                pairRanks[right] = NoRank;
                next[left] = end;
                if (end < n)
                    previous[end] = left;
                pairRanks[left] = end < n ? cache.GetRank(vocabulary, merged, tokens[end], piece[left..next[end]]) : NoRank;
                int before = left > 0 ? previous[left] : -1;
                if (before >= 0)
                    pairRanks[before] = cache.GetRank(vocabulary, tokens[before], merged, piece[before..end]);

                int leftBlock = left / BlockSize;
                Refresh(tree, leaves, pairRanks, leftBlock);
                int rightBlock = right / BlockSize;
                if (rightBlock != leftBlock)
                    Refresh(tree, leaves, pairRanks, rightBlock);
                if (before >= 0)
                {
                    int beforeBlock = before / BlockSize;
                    if (beforeBlock != leftBlock && beforeBlock != rightBlock)
                        Refresh(tree, leaves, pairRanks, beforeBlock);
                }
            }

            int count = 0;
            for (int i = 0; i < n; i = next[i])
                output[count++] = tokens[i];
            return count;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(tree);
            ArrayPool<int>.Shared.Return(tokens);
            ArrayPool<int>.Shared.Return(pairRanks);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<int>.Shared.Return(next);
        }
    }

    /// <summary>(rank &lt;&lt; 32 | position) of the block's lowest-ranked pair, leftmost on ties; NoRank when it has none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long BlockMinimum(int[] pairRanks, int block)
    {
        int start = block * BlockSize;
        ReadOnlySpan<int> ranks = pairRanks.AsSpan(start, BlockSize);
        int best = NoRank;
        int bestIndex = 0;
        for (int i = 0; i < ranks.Length; i++)
        {
            if (ranks[i] < best)
            {
                best = ranks[i];
                bestIndex = i;
            }
        }
        return ((long)best << 32) | (uint)(start + bestIndex);
    }

    private static void Refresh(long[] tree, int leaves, int[] pairRanks, int block)
    {
        int node = leaves + block;
        tree[node] = BlockMinimum(pairRanks, block);
        for (node >>= 1; node >= 1; node >>= 1)
        {
            long smaller = Math.Min(tree[2 * node], tree[2 * node + 1]);
            if (tree[node] == smaller)
                break;
            tree[node] = smaller;
        }
    }
}
