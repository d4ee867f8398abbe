using System.Buffers;
using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Byte-pair merging of one piece that is not itself a token: repeatedly merge the adjacent pair whose concatenation
/// has the lowest rank (the leftmost one on ties), as tiktoken does. Short pieces use tiktoken's array scan;
/// long pieces use a linked list with a binary heap of (rank, position), which keeps the worst case O(n log n).
/// </summary>
internal static class BytePairMerger
{
    /// <summary>Pieces up to this many bytes are merged with the quadratic scan, which is faster when n is small.</summary>
    public const int ShortPieceLimit = 128;

    private const int NoRank = O200kVocabulary.NotFound;

    /// <summary>Writes the ranks of <paramref name="piece"/> to <paramref name="ranks"/> (at least piece.Length long); returns the count.</summary>
    public static int Merge(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> ranks)
    {
        return piece.Length <= ShortPieceLimit
            ? MergeShort(vocabulary, piece, ranks)
            : MergeLong(vocabulary, piece, ranks);
    }

    private static int MergeShort(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> output)
    {
        int n = piece.Length;
        Span<int> starts = stackalloc int[ShortPieceLimit + 1];
        Span<int> pairRanks = stackalloc int[ShortPieceLimit + 1];
        for (int i = 0; i < n - 1; i++)
        {
            starts[i] = i;
            pairRanks[i] = vocabulary.GetRank(piece.Slice(i, 2));
        }
        starts[n - 1] = n - 1;
        pairRanks[n - 1] = NoRank;
        starts[n] = n;
        pairRanks[n] = NoRank;
        int count = n + 1;

        while (true)
        {
            int best = NoRank;
            int bestIndex = -1;
            for (int i = 0; i < count - 1; i++)
            {
                if (pairRanks[i] < best)
                {
                    best = pairRanks[i];
                    bestIndex = i;
                }
            }
            if (bestIndex < 0)
                break;

            // Ranks of the pairs that now contain the merged token; computed before the removal, hence the +3.
            if (bestIndex > 0)
                pairRanks[bestIndex - 1] = RankOfSpan(vocabulary, piece, starts, count, bestIndex - 1);
            pairRanks[bestIndex] = RankOfSpan(vocabulary, piece, starts, count, bestIndex);
            starts.Slice(bestIndex + 2, count - bestIndex - 2).CopyTo(starts[(bestIndex + 1)..]);
            pairRanks.Slice(bestIndex + 2, count - bestIndex - 2).CopyTo(pairRanks[(bestIndex + 1)..]);
            count--;
        }

        for (int i = 0; i < count - 1; i++)
            output[i] = vocabulary.GetRank(piece[starts[i]..starts[i + 1]]);
        return count - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RankOfSpan(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int count, int i)
        => i + 3 < count ? vocabulary.GetRank(piece[starts[i]..starts[i + 3]]) : NoRank;

    private static int MergeLong(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> output)
    {
        int n = piece.Length;
        int[] next = ArrayPool<int>.Shared.Rent(n);
        int[] previous = ArrayPool<int>.Shared.Rent(n);
        int[] pairRanks = ArrayPool<int>.Shared.Rent(n);
        long[] heap = ArrayPool<long>.Shared.Rent(3 * n);
        try
        {
            int heapCount = 0;
            for (int i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                int rank = i + 1 < n ? vocabulary.GetRank(piece.Slice(i, 2)) : NoRank;
                pairRanks[i] = rank;
                if (rank != NoRank)
                    Push(heap, ref heapCount, rank, i);
            }

            while (heapCount > 0)
            {
                long top = Pop(heap, ref heapCount);
                int rank = (int)(top >> 32);
                int left = (int)top;
                if (pairRanks[left] != rank)
                    continue;       // stale: the pair starting here changed (or the node was merged away: NoRank)

                int right = next[left];
                int end = next[right];
                pairRanks[right] = NoRank;
                next[left] = end;
                if (end < n)
                    previous[end] = left;

                int newRank = end < n ? vocabulary.GetRank(piece[left..next[end]]) : NoRank;
                pairRanks[left] = newRank;
                if (newRank != NoRank)
                    Push(heap, ref heapCount, newRank, left);
                if (left > 0)
                {
                    int before = previous[left];
                    int beforeRank = vocabulary.GetRank(piece[before..end]);
                    pairRanks[before] = beforeRank;
                    if (beforeRank != NoRank)
                        Push(heap, ref heapCount, beforeRank, before);
                }
            }

            int count = 0;
            for (int i = 0; i < n; i = next[i])
                output[count++] = vocabulary.GetRank(piece[i..next[i]]);
            return count;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(heap);
            ArrayPool<int>.Shared.Return(pairRanks);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<int>.Shared.Return(next);
        }
    }

    // A min-heap of (rank << 32 | position): the lowest rank first, the leftmost position among equal ranks.
    private static void Push(long[] heap, ref int count, int rank, int position)
    {
        long item = ((long)rank << 32) | (uint)position;
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (heap[parent] <= item)
                break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = item;
    }

    private static long Pop(long[] heap, ref int count)
    {
        long top = heap[0];
        long last = heap[--count];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= count)
                break;
            if (child + 1 < count && heap[child + 1] < heap[child])
                child++;
            if (heap[child] >= last)
                break;
            heap[i] = heap[child];
            i = child;
        }
        if (count > 0)
            heap[i] = last;
        return top;
    }
}
