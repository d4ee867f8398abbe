using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Campfire.Kernels;

/// <summary>
/// How the AVX-512 many-vector kernels tile a call: six vectors × two rows in registers (24 accumulators of 32), 64
/// rows a block and 1,024 columns a chunk. Within a block the chunks come outermost, so one chunk of the tile's inputs
/// (6 × 4 KB) stays in L1 while every row of the block passes over it; whole rows of gpt-oss-20b's width (six inputs of
/// 11.5 KB) did not fit, and the kernel then ran at L2's bandwidth, slower than four vectors a row. The sizes are the
/// best of 16–64 rows and 512–4,096 columns measured on this project's AVX-512 machine.
/// </summary>
internal static class VectorTiles
{
    /// <summary>Vectors per tile.</summary>
    public const int Vectors = 6;

    /// <summary>
    /// Tiles of at most this many vectors run the MXFP4 kernel's four rows × three vectors instead (a gpt-oss-20b prompt
    /// of 25 tokens gives each of 32 experts about three): two rows × six would waste half its FMAs on repeats.
    /// </summary>
    public const int NarrowVectors = 3;

    /// <summary>Rows per block: 32 row pairs, whose accumulators (<see cref="PairSums"/> vectors a pair) are kept between chunks.</summary>
    public const int BlockRows = 64;

    /// <summary>Columns per chunk (a multiple of 64, i.e. of the bf16 kernel's step and of two MXFP4 groups).</summary>
    public const int ChunkColumns = 1024;

    /// <summary>Accumulators one row pair keeps between chunks: 2 rows × <see cref="Vectors"/> × 4.</summary>
    public const int PairSums = 2 * Vectors * 4;

    /// <summary>
    /// The tile size for <paramref name="count"/> vectors: as many tiles as six a tile needs, evened out (13 vectors as
    /// 5 + 5 + 3 rather than 6 + 6 + 1), since a short tile costs as much as a full one.
    /// </summary>
    public static int Size(int count)
    {
        int tiles = (count + Vectors - 1) / Vectors;
        return (count + tiles - 1) / tiles;
    }

    [ThreadStatic]
    private static Vector512<float>[]? t_blockSums;

    /// <summary>
    /// The accumulators one block keeps between chunks (96 KB, too large for the stack): the calling thread's own, pinned
    /// once for the thread's life, so that a call neither rents nor pins.
    /// </summary>
    public static unsafe Vector512<float>* BlockSums()
    {
        t_blockSums ??= GC.AllocateArray<Vector512<float>>(BlockRows / 2 * PairSums, pinned: true);
        return (Vector512<float>*)Unsafe.AsPointer(ref t_blockSums[0]);
    }

    /// <summary>
    /// One (row, vector)'s dot product from its rows' accumulators (<paramref name="vectorsPerRow"/>: 6 for a pair of rows,
    /// 3 for the MXFP4 kernel's four rows): the first pass's two and the second's, summed as the one-vector kernels sum
    /// their four, <c>Sum((a0 + a1) + (a2 + a3))</c>.
    /// </summary>
    public static unsafe float Dot(Vector512<float>* rows, int row, int vector, int vectorsPerRow = Vectors)
    {
        var first = rows + 2 * (row * vectorsPerRow + vector);
        var second = first + PairSums / 2;
        return Vector512.Sum((first[0] + first[1]) + (second[0] + second[1]));
    }

    /// <summary>Tiles for <paramref name="count"/> vectors (each reads the weights again, from cache).</summary>
    public static int Count(int count) => (count + Vectors - 1) / Vectors;
}
