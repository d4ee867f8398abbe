using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Campfire.Kernels;

/// <summary>
/// One token's product with a bfloat16 matrix: <c>output[r] = Σ_k W[r, k] · input[k] + bias[r]</c>, W given as its raw
/// bf16 bits [rows, columns] row-major, each weight widened exactly in registers and accumulated in fp32. This is what a
/// float32 model computes with weights widened once to fp32 (the same products, summed in another order), reading half
/// the bytes; and in a bfloat16 model it keeps the sum in fp32 where a bf16 GEMV rounds its output.
/// </summary>
/// <remarks>The single-thread call allocates nothing. The instruction sets are those of <see cref="Mxfp4MatVec"/>.</remarks>
public static class Bf16MatVec
{
    /// <summary>
    /// <c>output[r] = Σ_k W[r, k] · input[k] (+ bias[r])</c>; <c>input.Length</c> = columns and <c>output.Length</c> = rows
    /// fix the shape, which <paramref name="weights"/> (rows · columns) must match.
    /// </summary>
    /// <param name="weights">The matrix as bf16 bits (the upper 16 bits of an fp32), [rows, columns], row-major.</param>
    /// <param name="input">The vector, fp32, one value per column.</param>
    /// <param name="bias">Empty for none, else one value per row.</param>
    /// <param name="output">One value per row; written, never read.</param>
    /// <param name="threads">Rows are split across up to this many threads (1: on the caller's thread, no allocation).</param>
    /// <param name="isa">The instruction set to use; <see cref="Mxfp4MatVec.Best"/> when null.</param>
    /// <exception cref="Mxfp4KernelException">A length does not match the shape, threads &lt; 1, or the CPU lacks <paramref name="isa"/>.</exception>
    public static unsafe void Multiply(ReadOnlySpan<ushort> weights, ReadOnlySpan<float> input, ReadOnlySpan<float> bias,
        Span<float> output, int threads = 1, Mxfp4Isa? isa = null)
    {
        int rows = output.Length, columns = input.Length;
        if (columns == 0) throw new Mxfp4KernelException("input is empty: at least one column is needed");
        if (rows == 0) throw new Mxfp4KernelException("output is empty: at least one row is needed");
        if ((long)rows * columns != weights.Length)
            throw new Mxfp4KernelException($"weights has {weights.Length} values, expected rows × columns = {rows} × {columns} = {(long)rows * columns}");
        if (bias.Length != 0 && bias.Length != rows)
            throw new Mxfp4KernelException($"bias has {bias.Length} values, expected none or one per row ({rows})");
        if (threads < 1) throw new Mxfp4KernelException($"threads must be at least 1, got {threads}");
        var chosen = isa ?? Mxfp4MatVec.Best;
        if (!Mxfp4MatVec.IsSupported(chosen))
            throw new Mxfp4KernelException($"this CPU cannot run the {chosen} kernel (best here: {Mxfp4MatVec.Best})");

        // Split only with at least Mxfp4MatVec.MinBytesPerThread of weights per thread.
        int workers = Mxfp4MatVec.Workers(2L * weights.Length, rows, threads);
        fixed (ushort* w = weights)
        fixed (float* x = input)
        fixed (float* b = bias)
        fixed (float* o = output)
        {
            var job = new RowJob(w, x, bias.IsEmpty ? null : b, o, columns, chosen);
            if (workers == 1) job.Rows(0, rows);
            else RowRanges.Split(job, rows, workers);
        }
    }

    /// <summary>
    /// The same product for several vectors at once (a prompt's tokens): <c>outputs[j · rows + r] = Σ_k W[r, k] ·
    /// inputs[j · columns + k] (+ bias[r])</c> for the <c>inputs.Length / columns</c> vectors. Each row is read and
    /// widened once per pair of rows for every six vectors (two vectors on AVX2) while it is in L1, instead of once per vector, and each vector
    /// gets exactly the bits a one-vector <see cref="Multiply"/> gives it (the same accumulators, the same order).
    /// </summary>
    /// <param name="weights">The matrix as bf16 bits, [rows, columns], row-major.</param>
    /// <param name="inputs">The vectors, fp32, [count, columns] row-major.</param>
    /// <param name="columns">The length of one vector.</param>
    /// <param name="bias">Empty for none, else one value per row.</param>
    /// <param name="outputs">[count, rows] row-major; written, never read.</param>
    /// <param name="threads">Rows are split across up to this many threads (1: on the caller's thread, no allocation).</param>
    /// <param name="isa">The instruction set to use; <see cref="Mxfp4MatVec.Best"/> when null.</param>
    /// <exception cref="Mxfp4KernelException">A length does not match the shape, threads &lt; 1, or the CPU lacks <paramref name="isa"/>.</exception>
    public static unsafe void MultiplyMany(ReadOnlySpan<ushort> weights, ReadOnlySpan<float> inputs, int columns, ReadOnlySpan<float> bias,
        Span<float> outputs, int threads = 1, Mxfp4Isa? isa = null)
    {
        if (columns <= 0 || inputs.Length == 0 || inputs.Length % columns != 0)
            throw new Mxfp4KernelException($"inputs has {inputs.Length} values: expected a positive multiple of columns ({columns})");
        int count = inputs.Length / columns;
        if (outputs.Length == 0 || outputs.Length % count != 0)
            throw new Mxfp4KernelException($"outputs has {outputs.Length} values: expected {count} vectors × rows");
        int rows = outputs.Length / count;
        if ((long)rows * columns != weights.Length)
            throw new Mxfp4KernelException($"weights has {weights.Length} values, expected rows × columns = {rows} × {columns} = {(long)rows * columns}");
        if (bias.Length != 0 && bias.Length != rows)
            throw new Mxfp4KernelException($"bias has {bias.Length} values, expected none or one per row ({rows})");
        if (threads < 1) throw new Mxfp4KernelException($"threads must be at least 1, got {threads}");
        var chosen = isa ?? Mxfp4MatVec.Best;
        if (!Mxfp4MatVec.IsSupported(chosen))
            throw new Mxfp4KernelException($"this CPU cannot run the {chosen} kernel (best here: {Mxfp4MatVec.Best})");

        // Each tile of vectors reads the rows again (from cache): that much more work to share.
        int workers = Mxfp4MatVec.Workers(2L * weights.Length * VectorTiles.Count(count), rows, threads);
        fixed (ushort* w = weights)
        fixed (float* x = inputs)
        fixed (float* b = bias)
        fixed (float* o = outputs)
        {
            var job = new ManyJob(w, x, bias.IsEmpty ? null : b, o, columns, count, rows, chosen);
            if (workers == 1) job.Rows(0, rows);
            else RowRanges.Split(job, rows, workers);
        }
    }

    private readonly unsafe struct ManyJob(ushort* weights, float* inputs, float* bias, float* outputs, int columns, int count, int rows, Mxfp4Isa isa) : IRowRangeJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            if (isa == Mxfp4Isa.Avx512 && count > 1)
            {
                TiledAvx512(first, end);
                return;
            }
            // Rows in blocks that stay in L2 while each pair of vectors passes over them.
            int rowsPerBlock = Math.Max(1, BlockBytes / (2 * columns));
            for (int block = first; block < end; block += rowsPerBlock)
                Block(block, Math.Min(end, block + rowsPerBlock));
        }

        // Blocks of rows; per block, each tile of vectors; per tile, the column chunks outermost (see VectorTiles).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TiledAvx512(int first, int end)
        {
            var sums = VectorTiles.BlockSums();
            int tileSize = VectorTiles.Size(count);
            int steps = columns / 64 * 64, tail = columns - columns % 16;
            for (int block = first; block < end; block += VectorTiles.BlockRows)
            {
                int blockEnd = Math.Min(end, block + VectorTiles.BlockRows);
                for (int j = 0; j < count; j += tileSize)
                {
                    int tile = Math.Min(tileSize, count - j);
                    float* x = inputs + (long)j * columns;
                    for (int k = 0; k == 0 || k < steps; k += VectorTiles.ChunkColumns)
                    {
                        int kEnd = Math.Min(steps, k + VectorTiles.ChunkColumns);
                        bool last = kEnd == steps;
                        for (int r = block; r < blockEnd; r += 2)
                        {
                            // An odd last row is paired with itself, a short tile repeats its first vector: the extra sums are dropped.
                            int r1 = Math.Min(r + 1, blockEnd - 1);
                            var pair = sums + (r - block) / 2 * VectorTiles.PairSums;
                            ushort* row0 = weights + (long)r * columns, row1 = weights + (long)r1 * columns;
                            TileAvx512(row0, row1, x, columns, tile, k, kEnd, 0, last ? tail : kEnd, k == 0, pair);
                            TileAvx512(row0, row1, x, columns, tile, k, kEnd, 32, kEnd, k == 0, pair + VectorTiles.PairSums / 2);
                        }
                    }
                    for (int r = block; r < blockEnd; r++)
                    {
                        var pair = sums + (r - block) / 2 * VectorTiles.PairSums;
                        ushort* row = weights + (long)r * columns;
                        for (int t = 0; t < tile; t++)
                        {
                            float dot = VectorTiles.Dot(pair, (r - block) % 2, t) + RowScalar(row, x + (long)t * columns, tail, columns);
                            outputs[(long)(j + t) * rows + r] = bias == null ? dot : dot + bias[r];
                        }
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Block(int first, int end)
        {
            float* dots = stackalloc float[2];
            int j = 0;
            if (isa == Mxfp4Isa.Avx2)
            {
                for (; j + 2 <= count; j += 2)
                {
                    float* x0 = inputs + (long)j * columns;
                    for (int r = first; r < end; r++)
                    {
                        RowAvx2Two(weights + (long)r * columns, x0, x0 + columns, columns, dots);
                        Store(dots, 2, j, r);
                    }
                }
            }
            for (; j < count; j++)
            {
                float* x = inputs + (long)j * columns;
                for (int r = first; r < end; r++)
                {
                    ushort* row = weights + (long)r * columns;
                    dots[0] = isa switch
                    {
                        Mxfp4Isa.Avx512 => RowAvx512(row, x, columns),
                        Mxfp4Isa.Avx2 => RowAvx2(row, x, columns),
                        _ => RowScalar(row, x, 0, columns),
                    };
                    Store(dots, 1, j, r);
                }
            }
        }

        private void Store(float* dots, int tile, int j, int r)
        {
            for (int t = 0; t < tile; t++)
                outputs[(long)(j + t) * rows + r] = bias == null ? dots[t] : dots[t] + bias[r];
        }
    }

    /// <summary>Weight bytes of one row block of <see cref="MultiplyMany"/> without AVX-512 (or for one vector): well inside a 512 KB–1 MB L2.</summary>
    internal const int BlockBytes = 192 << 10;

    // Two rows × up to six vectors over the 64-column steps in [from, end), half of RowAvx512's accumulators: it sums
    // each step's four 16-column parts into a0..a3 (then the 16-column tail into a0), each in increasing column order;
    // the pass at offset 0 adds to a0 and a1 (and, given tailEnd past end, the tail's parts up to tailEnd), the pass at
    // offset 32 to a2 and a3, for every (row, vector), so that after every step Sum((a0 + a1) + (a2 + a3)) gives each
    // vector the bits of a one-vector call. Each 16 weights are widened once per row for all six vectors, and each loaded
    // input serves both rows: 24 FMAs per 12 loads, where one row × four vectors did 16 per 20. sums holds
    // [row][vector][first, second].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileAvx512(ushort* row0, ushort* row1, float* x, long stride, int tile, int from, int end, int offset, int tailEnd,
        bool first, Vector512<float>* sums)
    {
        float* x0 = x, x1 = tile > 1 ? x + stride : x, x2 = tile > 2 ? x + 2 * stride : x;
        float* x3 = tile > 3 ? x + 3 * stride : x, x4 = tile > 4 ? x + 4 * stride : x, x5 = tile > 5 ? x + 5 * stride : x;
        // The first chunk starts from zero in registers: loading sums just cleared with narrower stores stalls on
        // store forwarding, a quarter of a chunk's time.
        var z = Vector512<float>.Zero;
        Vector512<float> l0 = z, h0 = z, l1 = z, h1 = z, l2 = z, h2 = z, l3 = z, h3 = z, l4 = z, h4 = z, l5 = z, h5 = z;
        Vector512<float> m0 = z, k0 = z, m1 = z, k1 = z, m2 = z, k2 = z, m3 = z, k3 = z, m4 = z, k4 = z, m5 = z, k5 = z;
        if (!first)
        {
            l0 = sums[0]; h0 = sums[1]; l1 = sums[2]; h1 = sums[3]; l2 = sums[4]; h2 = sums[5];
            l3 = sums[6]; h3 = sums[7]; l4 = sums[8]; h4 = sums[9]; l5 = sums[10]; h5 = sums[11];
            m0 = sums[12]; k0 = sums[13]; m1 = sums[14]; k1 = sums[15]; m2 = sums[16]; k2 = sums[17];
            m3 = sums[18]; k3 = sums[19]; m4 = sums[20]; k4 = sums[21]; m5 = sums[22]; k5 = sums[23];
        }
        int k = from + offset;
        for (; k < end; k += 64)
        {
            var p0 = Widen512(row0 + k);
            var q0 = Widen512(row0 + k + 16);
            var p1 = Widen512(row1 + k);
            var q1 = Widen512(row1 + k + 16);
            var v = Vector512.Load(x0 + k);
            l0 = Avx512F.FusedMultiplyAdd(p0, v, l0);
            m0 = Avx512F.FusedMultiplyAdd(p1, v, m0);
            v = Vector512.Load(x0 + k + 16);
            h0 = Avx512F.FusedMultiplyAdd(q0, v, h0);
            k0 = Avx512F.FusedMultiplyAdd(q1, v, k0);
            v = Vector512.Load(x1 + k);
            l1 = Avx512F.FusedMultiplyAdd(p0, v, l1);
            m1 = Avx512F.FusedMultiplyAdd(p1, v, m1);
            v = Vector512.Load(x1 + k + 16);
            h1 = Avx512F.FusedMultiplyAdd(q0, v, h1);
            k1 = Avx512F.FusedMultiplyAdd(q1, v, k1);
            v = Vector512.Load(x2 + k);
            l2 = Avx512F.FusedMultiplyAdd(p0, v, l2);
            m2 = Avx512F.FusedMultiplyAdd(p1, v, m2);
            v = Vector512.Load(x2 + k + 16);
            h2 = Avx512F.FusedMultiplyAdd(q0, v, h2);
            k2 = Avx512F.FusedMultiplyAdd(q1, v, k2);
            v = Vector512.Load(x3 + k);
            l3 = Avx512F.FusedMultiplyAdd(p0, v, l3);
            m3 = Avx512F.FusedMultiplyAdd(p1, v, m3);
            v = Vector512.Load(x3 + k + 16);
            h3 = Avx512F.FusedMultiplyAdd(q0, v, h3);
            k3 = Avx512F.FusedMultiplyAdd(q1, v, k3);
            v = Vector512.Load(x4 + k);
            l4 = Avx512F.FusedMultiplyAdd(p0, v, l4);
            m4 = Avx512F.FusedMultiplyAdd(p1, v, m4);
            v = Vector512.Load(x4 + k + 16);
            h4 = Avx512F.FusedMultiplyAdd(q0, v, h4);
            k4 = Avx512F.FusedMultiplyAdd(q1, v, k4);
            v = Vector512.Load(x5 + k);
            l5 = Avx512F.FusedMultiplyAdd(p0, v, l5);
            m5 = Avx512F.FusedMultiplyAdd(p1, v, m5);
            v = Vector512.Load(x5 + k + 16);
            h5 = Avx512F.FusedMultiplyAdd(q0, v, h5);
            k5 = Avx512F.FusedMultiplyAdd(q1, v, k5);
        }
        if (tailEnd > end)
        {
            for (k = end; k < tailEnd; k += 16)
            {
                var p0 = Widen512(row0 + k);
                var p1 = Widen512(row1 + k);
                var v = Vector512.Load(x0 + k);
                l0 = Avx512F.FusedMultiplyAdd(p0, v, l0);
                m0 = Avx512F.FusedMultiplyAdd(p1, v, m0);
                v = Vector512.Load(x1 + k);
                l1 = Avx512F.FusedMultiplyAdd(p0, v, l1);
                m1 = Avx512F.FusedMultiplyAdd(p1, v, m1);
                v = Vector512.Load(x2 + k);
                l2 = Avx512F.FusedMultiplyAdd(p0, v, l2);
                m2 = Avx512F.FusedMultiplyAdd(p1, v, m2);
                v = Vector512.Load(x3 + k);
                l3 = Avx512F.FusedMultiplyAdd(p0, v, l3);
                m3 = Avx512F.FusedMultiplyAdd(p1, v, m3);
                v = Vector512.Load(x4 + k);
                l4 = Avx512F.FusedMultiplyAdd(p0, v, l4);
                m4 = Avx512F.FusedMultiplyAdd(p1, v, m4);
                v = Vector512.Load(x5 + k);
                l5 = Avx512F.FusedMultiplyAdd(p0, v, l5);
                m5 = Avx512F.FusedMultiplyAdd(p1, v, m5);
            }
        }
        sums[0] = l0; sums[1] = h0; sums[2] = l1; sums[3] = h1; sums[4] = l2; sums[5] = h2;
        sums[6] = l3; sums[7] = h3; sums[8] = l4; sums[9] = h4; sums[10] = l5; sums[11] = h5;
        sums[12] = m0; sums[13] = k0; sums[14] = m1; sums[15] = k1; sums[16] = m2; sums[17] = k2;
        sums[18] = m3; sums[19] = k3; sums[20] = m4; sums[21] = k4; sums[22] = m5; sums[23] = k5;
    }

    // RowAvx2 for two vectors (AVX2 has 16 registers: four vectors' accumulators would not fit).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowAvx2Two(ushort* row, float* x0, float* x1, int columns, float* dots)
    {
        var z = Vector256<float>.Zero;
        Vector256<float> a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        int k = 0;
        for (; k + 32 <= columns; k += 32)
        {
            var w0 = Widen256(row + k);
            var w1 = Widen256(row + k + 8);
            var w2 = Widen256(row + k + 16);
            var w3 = Widen256(row + k + 24);
            a00 = Fma.MultiplyAdd(w0, Vector256.Load(x0 + k), a00);
            a01 = Fma.MultiplyAdd(w1, Vector256.Load(x0 + k + 8), a01);
            a02 = Fma.MultiplyAdd(w2, Vector256.Load(x0 + k + 16), a02);
            a03 = Fma.MultiplyAdd(w3, Vector256.Load(x0 + k + 24), a03);
            a10 = Fma.MultiplyAdd(w0, Vector256.Load(x1 + k), a10);
            a11 = Fma.MultiplyAdd(w1, Vector256.Load(x1 + k + 8), a11);
            a12 = Fma.MultiplyAdd(w2, Vector256.Load(x1 + k + 16), a12);
            a13 = Fma.MultiplyAdd(w3, Vector256.Load(x1 + k + 24), a13);
        }
        for (; k + 8 <= columns; k += 8)
        {
            var w0 = Widen256(row + k);
            a00 = Fma.MultiplyAdd(w0, Vector256.Load(x0 + k), a00);
            a10 = Fma.MultiplyAdd(w0, Vector256.Load(x1 + k), a10);
        }
        float d0 = Vector256.Sum((a00 + a01) + (a02 + a03)), d1 = Vector256.Sum((a10 + a11) + (a12 + a13));
        dots[0] = d0 + RowScalar(row, x0, k, columns);
        dots[1] = d1 + RowScalar(row, x1, k, columns);
    }

    private readonly unsafe struct RowJob(ushort* weights, float* input, float* bias, float* output, int columns, Mxfp4Isa isa) : IRowRangeJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            for (int r = first; r < end; r++)
            {
                ushort* row = weights + (long)r * columns;
                float dot = isa switch
                {
                    Mxfp4Isa.Avx512 => RowAvx512(row, input, columns),
                    Mxfp4Isa.Avx2 => RowAvx2(row, input, columns),
                    _ => RowScalar(row, input, 0, columns),
                };
                output[r] = bias == null ? dot : dot + bias[r];
            }
        }
    }

    private static unsafe float RowScalar(ushort* row, float* x, int from, int columns)
    {
        float sum = 0;
        for (int k = from; k < columns; k++)
            sum += BitConverter.Int32BitsToSingle(row[k] << 16) * x[k];
        return sum;
    }

    // vpmovzxwd widens 16 bf16 values to 16 int lanes; << 16 makes them the fp32 values they stand for. Four
    // accumulators hide the FMA latency; columns past the last multiple of 16 are summed in scalar.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float RowAvx512(ushort* row, float* x, int columns)
    {
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int k = 0;
        for (; k + 64 <= columns; k += 64)
        {
            a0 = Avx512F.FusedMultiplyAdd(Widen512(row + k), Vector512.Load(x + k), a0);
            a1 = Avx512F.FusedMultiplyAdd(Widen512(row + k + 16), Vector512.Load(x + k + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(Widen512(row + k + 32), Vector512.Load(x + k + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(Widen512(row + k + 48), Vector512.Load(x + k + 48), a3);
        }
        for (; k + 16 <= columns; k += 16)
            a0 = Avx512F.FusedMultiplyAdd(Widen512(row + k), Vector512.Load(x + k), a0);
        return Vector512.Sum((a0 + a1) + (a2 + a3)) + RowScalar(row, x, k, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Widen512(ushort* bits) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load(bits)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float RowAvx2(ushort* row, float* x, int columns)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int k = 0;
        for (; k + 32 <= columns; k += 32)
        {
            a0 = Fma.MultiplyAdd(Widen256(row + k), Vector256.Load(x + k), a0);
            a1 = Fma.MultiplyAdd(Widen256(row + k + 8), Vector256.Load(x + k + 8), a1);
            a2 = Fma.MultiplyAdd(Widen256(row + k + 16), Vector256.Load(x + k + 16), a2);
            a3 = Fma.MultiplyAdd(Widen256(row + k + 24), Vector256.Load(x + k + 24), a3);
        }
        for (; k + 8 <= columns; k += 8)
            a0 = Fma.MultiplyAdd(Widen256(row + k), Vector256.Load(x + k), a0);
        return Vector256.Sum((a0 + a1) + (a2 + a3)) + RowScalar(row, x, k, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Widen256(ushort* bits) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(bits), 16).AsSingle();
}
