using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Campfire.Kernels;

/// <summary>
/// Fused MXFP4 dequantise-and-multiply for one token: <c>output[r] = Σ_k W[r, k] · input[k] + bias[r]</c>, where row r
/// of W is stored as MXFP4 (OCP microscaling, as gpt-oss stores its experts): <c>blocks</c> [rows, groups, 16] hold two
/// E2M1 elements per byte (element 2b in the low nibble of byte b, 2b + 1 in the high nibble) and <c>scales</c>
/// [rows, groups] one E8M0 exponent per 32 elements, the scale being 2^(scale − 127). No row is ever widened to memory:
/// each group's 16-entry table is scaled once and the nibbles index it in registers, with fp32 FMA accumulation.
/// </summary>
/// <remarks>
/// Scale byte 255 (E8M0's NaN) dequantises to ±inf (and 0 · inf = NaN), as the reference's <c>exp2(255 − 127)</c> in
/// fp32 does; gpt-oss checkpoints do not use it. The single-thread call allocates nothing.
/// </remarks>
public static class Mxfp4MatVec
{
    /// <summary>Elements per MXFP4 group (one scale each).</summary>
    public const int GroupSize = 32;

    /// <summary>Bytes per MXFP4 group: two elements per byte.</summary>
    public const int BytesPerGroup = 16;

    // Inputs up to this many floats are staged on the stack (32 KB; gpt-oss-20b's are 2880), larger ones in a pooled array.
    private const int StackInputLimit = 8192;

    /// <summary>
    /// Weight bytes each extra thread must get before a call splits its rows. Below it the fork/join costs more than it
    /// saves, and on a busy machine a thread-pool thread may wait a whole time slice for a core: the small preset's
    /// experts (1.1 MB) and attention projections (2–3 MB) ran slower at two threads than at one (a bf16 decode step
    /// 61 vs 38 ms p50, load average ~7), while gpt-oss-20b's experts (4.4 and 8.8 MB) and every unembedding still split.
    /// </summary>
    public const int MinBytesPerThread = 2 << 20;

    internal static int Workers(long bytes, int rows, int threads) =>
        (int)Math.Max(1, Math.Min(Math.Min(threads, rows), bytes / MinBytesPerThread));

    /// <summary>The E2M1 value of each nibble: bit 3 sign, bits 2..1 exponent, bit 0 mantissa.</summary>
    public static ReadOnlySpan<float> Fp4Values => [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f];

    // 2^(s − 127) for every scale byte, exact (2^-127 is a float subnormal; 2^128 overflows to +inf as in the reference).
    private static readonly float[] ScaleTable = BuildScaleTable();

    /// <summary>The widest instruction set this CPU runs the kernel with.</summary>
    public static Mxfp4Isa Best { get; } =
        Avx512F.IsSupported ? Mxfp4Isa.Avx512 : Avx2.IsSupported && Fma.IsSupported ? Mxfp4Isa.Avx2 : Mxfp4Isa.Scalar;

    /// <summary>Whether this CPU can run <paramref name="isa"/>.</summary>
    /// <param name="isa">The instruction set asked for.</param>
    public static bool IsSupported(Mxfp4Isa isa) => isa switch
    {
        Mxfp4Isa.Scalar => true,
        Mxfp4Isa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        Mxfp4Isa.Avx512 => Avx512F.IsSupported,
        _ => false,
    };

    /// <summary>The scale 2^(<paramref name="scale"/> − 127) an E8M0 byte stands for.</summary>
    /// <param name="scale">The stored exponent byte.</param>
    public static float ScaleOf(byte scale) => ScaleTable[scale];

    /// <summary>
    /// <c>output[r] = Σ_k W[r, k] · input[k] (+ bias[r])</c> with W in MXFP4; <c>input.Length</c> = groups · 32 and
    /// <c>output.Length</c> = rows fix the shape, which <paramref name="blocks"/> (rows · groups · 16 bytes) and
    /// <paramref name="scales"/> (rows · groups) must match.
    /// </summary>
    /// <param name="blocks">MXFP4 elements, [rows, groups, 16] bytes, row-major.</param>
    /// <param name="scales">E8M0 exponents, [rows, groups].</param>
    /// <param name="input">The vector, fp32, groups · 32 long.</param>
    /// <param name="bias">Empty for none, else one value per row.</param>
    /// <param name="output">One value per row; written, never read.</param>
    /// <param name="threads">Rows are split across up to this many threads (1: on the caller's thread, no allocation).</param>
    /// <param name="isa">The instruction set to use; <see cref="Best"/> when null.</param>
    /// <exception cref="Mxfp4KernelException">A length does not match the shape, threads &lt; 1, or the CPU lacks <paramref name="isa"/>.</exception>
    public static void Multiply(ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> scales, ReadOnlySpan<float> input,
        ReadOnlySpan<float> bias, Span<float> output, int threads = 1, Mxfp4Isa? isa = null)
    {
        var chosen = Check(blocks.Length, scales.Length, input.Length, bias.Length, output.Length, threads, isa, "input");
        int k = input.Length;
        float[]? rented = null;
        Span<float> staged = k <= StackInputLimit ? stackalloc float[k] : (rented = ArrayPool<float>.Shared.Rent(k)).AsSpan(0, k);
        try
        {
            Stage(input, staged, chosen);
            Run(blocks, scales, staged, bias, output, threads, chosen);
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// As <see cref="Multiply(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, Mxfp4Isa?)"/>
    /// with a bfloat16 input given as its raw bits (the upper 16 bits of the fp32 value): widened exactly, then the
    /// same fp32 kernel.
    /// </summary>
    /// <param name="blocks">MXFP4 elements, [rows, groups, 16] bytes, row-major.</param>
    /// <param name="scales">E8M0 exponents, [rows, groups].</param>
    /// <param name="inputBf16">The vector as bfloat16 bits, groups · 32 long.</param>
    /// <param name="bias">Empty for none, else one value per row.</param>
    /// <param name="output">One value per row; written, never read.</param>
    /// <param name="threads">Rows are split across up to this many threads (1: on the caller's thread, no allocation).</param>
    /// <param name="isa">The instruction set to use; <see cref="Best"/> when null.</param>
    /// <exception cref="Mxfp4KernelException">A length does not match the shape, threads &lt; 1, or the CPU lacks <paramref name="isa"/>.</exception>
    public static void MultiplyBf16(ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> scales, ReadOnlySpan<ushort> inputBf16,
        ReadOnlySpan<float> bias, Span<float> output, int threads = 1, Mxfp4Isa? isa = null)
    {
        var chosen = Check(blocks.Length, scales.Length, inputBf16.Length, bias.Length, output.Length, threads, isa, "inputBf16");
        int k = inputBf16.Length;
        float[]? rented = k <= StackInputLimit ? null : ArrayPool<float>.Shared.Rent(2 * k);
        Span<float> wide = rented is null ? stackalloc float[k] : rented.AsSpan(0, k);
        Span<float> staged = rented is null ? stackalloc float[k] : rented.AsSpan(k, k);
        try
        {
            for (int i = 0; i < k; i++)
                wide[i] = BitConverter.Int32BitsToSingle(inputBf16[i] << 16);
            Stage(wide, staged, chosen);
            Run(blocks, scales, staged, bias, output, threads, chosen);
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The same product for several vectors at once: <c>outputs[j · rows + r] = Σ_k W[r, k] · inputs[j · columns + k]
    /// (+ bias[r])</c> for the <c>inputs.Length / columns</c> vectors (prompt tokens). Each row's MXFP4 bytes are read and
    /// decoded once per pair of rows for every six vectors (the AVX-512 path), instead of once per vector.
    /// </summary>
    /// <param name="blocks">MXFP4 elements, [rows, groups, 16] bytes, row-major.</param>
    /// <param name="scales">E8M0 exponents, [rows, groups].</param>
    /// <param name="inputs">The vectors, fp32, [count, columns] row-major.</param>
    /// <param name="columns">The length of one vector: groups · 32.</param>
    /// <param name="bias">Empty for none, else one value per row.</param>
    /// <param name="outputs">[count, rows] row-major; written, never read.</param>
    /// <param name="threads">Rows are split across up to this many threads.</param>
    /// <param name="isa">The instruction set to use; <see cref="Best"/> when null.</param>
    /// <exception cref="Mxfp4KernelException">A length does not match the shape, threads &lt; 1, or the CPU lacks <paramref name="isa"/>.</exception>
    public static unsafe void MultiplyMany(ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> scales, ReadOnlySpan<float> inputs, int columns,
        ReadOnlySpan<float> bias, Span<float> outputs, int threads = 1, Mxfp4Isa? isa = null)
    {
        if (columns <= 0 || inputs.Length == 0 || inputs.Length % columns != 0)
            throw new Mxfp4KernelException($"inputs has {inputs.Length} values: expected a positive multiple of columns ({columns})");
        int count = inputs.Length / columns;
        if (outputs.Length % count != 0)
            throw new Mxfp4KernelException($"outputs has {outputs.Length} values: expected {count} vectors × rows");
        int rows = outputs.Length / count;
        var chosen = Check(blocks.Length, scales.Length, columns, bias.Length, rows, threads, isa, "inputs");
        float[] staged = ArrayPool<float>.Shared.Rent(inputs.Length);
        try
        {
            for (int j = 0; j < count; j++)
                Stage(inputs.Slice(j * columns, columns), staged.AsSpan(j * columns, columns), chosen);
            // Each tile of vectors reads the rows again (from cache): that much more work to share.
            int workers = Workers((long)(blocks.Length + scales.Length) * VectorTiles.Count(count), rows, threads);
            fixed (byte* b = blocks)
            fixed (byte* s = scales)
            fixed (float* x = staged)
            fixed (float* bi = bias)
            fixed (float* o = outputs)
            {
                var job = new ManyJob(b, s, x, bias.IsEmpty ? null : bi, o, columns / GroupSize, count, rows, chosen);
                if (workers == 1) job.Rows(0, rows);
                else RowRanges.Split(job, rows, workers);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(staged);
        }
    }

    private readonly unsafe struct ManyJob(byte* blocks, byte* scales, float* staged, float* bias, float* outputs, int groups, int count, int rows, Mxfp4Isa isa) : IRowRangeJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            if (isa == Mxfp4Isa.Avx512 && count > 1)
            {
                TiledAvx512(first, end);
                return;
            }
            long rowBytes = (long)groups * BytesPerGroup;
            int columns = groups * GroupSize;
            for (int j = 0; j < count; j++)
            {
                float* x = staged + (long)j * columns;
                for (int r = first; r < end; r++)
                {
                    byte* rb = blocks + r * rowBytes;
                    byte* rs = scales + (long)r * groups;
                    float dot = isa switch
                    {
                        Mxfp4Isa.Avx512 => RowAvx512(rb, rs, x, groups),
                        Mxfp4Isa.Avx2 => RowAvx2(rb, rs, x, groups),
                        _ => RowScalar(rb, rs, x, groups),
                    };
                    outputs[(long)j * rows + r] = bias == null ? dot : dot + bias[r];
                }
            }
        }

        // Blocks of rows; per block, each tile of vectors; per tile, the column chunks outermost (see VectorTiles).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TiledAvx512(int first, int end)
        {
            var sums = VectorTiles.BlockSums();
            long rowBytes = (long)groups * BytesPerGroup;
            int columns = groups * GroupSize, chunkGroups = VectorTiles.ChunkColumns / GroupSize;
            int tileSize = VectorTiles.Size(count);
            bool narrow = tileSize <= VectorTiles.NarrowVectors;
            int rowsPerTile = narrow ? 4 : 2, vectorsPerRow = narrow ? VectorTiles.NarrowVectors : VectorTiles.Vectors;
            for (int block = first; block < end; block += VectorTiles.BlockRows)
            {
                int blockEnd = Math.Min(end, block + VectorTiles.BlockRows);
                for (int j = 0; j < count; j += tileSize)
                {
                    int tile = Math.Min(tileSize, count - j);
                    float* x = staged + (long)j * columns;
                    for (int g = 0; g < groups; g += chunkGroups)
                    {
                        int gEnd = Math.Min(groups, g + chunkGroups);
                        for (int r = block; r < blockEnd; r += rowsPerTile)
                        {
                            // The last rows past the block's end repeat its last row, a short tile repeats its first
                            // vector: the extra sums are dropped.
                            var rowSums = sums + (r - block) / rowsPerTile * VectorTiles.PairSums;
                            int r1 = Math.Min(r + 1, blockEnd - 1);
                            byte* b0 = blocks + r * rowBytes, s0 = scales + (long)r * groups;
                            byte* b1 = blocks + r1 * rowBytes, s1 = scales + (long)r1 * groups;
                            if (narrow)
                            {
                                int r2 = Math.Min(r + 2, blockEnd - 1), r3 = Math.Min(r + 3, blockEnd - 1);
                                byte* b2 = blocks + r2 * rowBytes, s2 = scales + (long)r2 * groups;
                                byte* b3 = blocks + r3 * rowBytes, s3 = scales + (long)r3 * groups;
                                NarrowTileAvx512(b0, s0, b1, s1, b2, s2, b3, s3, x, columns, tile, g, gEnd, g == 0, rowSums);
                                NarrowTileAvx512(b0, s0, b1, s1, b2, s2, b3, s3, x, columns, tile, g + 1, gEnd, g == 0, rowSums + VectorTiles.PairSums / 2);
                                continue;
                            }
                            TileAvx512(b0, s0, b1, s1, x, columns, tile, g, gEnd, g == 0, rowSums);
                            TileAvx512(b0, s0, b1, s1, x, columns, tile, g + 1, gEnd, g == 0, rowSums + VectorTiles.PairSums / 2);
                        }
                    }
                    for (int r = block; r < blockEnd; r++)
                    {
                        var rowSums = sums + (r - block) / rowsPerTile * VectorTiles.PairSums;
                        for (int t = 0; t < tile; t++)
                        {
                            float dot = VectorTiles.Dot(rowSums, (r - block) % rowsPerTile, t, vectorsPerRow);
                            outputs[(long)(j + t) * rows + r] = bias == null ? dot : dot + bias[r];
                        }
                    }
                }
            }
        }
    }

    // Two rows × up to six vectors over groups [from, end) of one parity (from's): RowAvx512 sums a row's even groups
    // into its accumulators a0 (low nibbles) and a1 (high), its odd groups into a2 and a3, each in increasing order;
    // this adds the parity's pair for every (row, vector) to sums ([row][vector][low, high]), so that after every chunk
    // of both parities Sum((a0 + a1) + (a2 + a3)) gives each vector the bits of a one-vector call. Each group is decoded
    // once per row for all six vectors and each loaded input serves both rows: 24 FMAs per 12 loads, where one row ×
    // four vectors did 16 FMAs per 20 loads and left the FMA ports half idle.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileAvx512(byte* b0, byte* s0, byte* b1, byte* s1, float* x, long stride, int tile, int from, int end,
        bool first, Vector512<float>* sums)
    {
        var fp4 = Vector512.Create(0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f);
        ref float scaleTable = ref MemoryMarshal.GetArrayDataReference(ScaleTable);
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
        for (int g = from; g < end; g += 2)
        {
            int o = g * GroupSize;
            // Both rows decoded first, so that each loaded input serves both: 24 accumulators, four decoded weights and
            // one input fill the registers without a spill.
            var (lo0, hi0) = DecodeGroup(fp4, ref scaleTable, b0, s0, g);
            var (lo1, hi1) = DecodeGroup(fp4, ref scaleTable, b1, s1, g);
            var v = Vector512.Load(x0 + o);
            l0 = Avx512F.FusedMultiplyAdd(lo0, v, l0);
            m0 = Avx512F.FusedMultiplyAdd(lo1, v, m0);
            v = Vector512.Load(x0 + o + 16);
            h0 = Avx512F.FusedMultiplyAdd(hi0, v, h0);
            k0 = Avx512F.FusedMultiplyAdd(hi1, v, k0);
            v = Vector512.Load(x1 + o);
            l1 = Avx512F.FusedMultiplyAdd(lo0, v, l1);
            m1 = Avx512F.FusedMultiplyAdd(lo1, v, m1);
            v = Vector512.Load(x1 + o + 16);
            h1 = Avx512F.FusedMultiplyAdd(hi0, v, h1);
            k1 = Avx512F.FusedMultiplyAdd(hi1, v, k1);
            v = Vector512.Load(x2 + o);
            l2 = Avx512F.FusedMultiplyAdd(lo0, v, l2);
            m2 = Avx512F.FusedMultiplyAdd(lo1, v, m2);
            v = Vector512.Load(x2 + o + 16);
            h2 = Avx512F.FusedMultiplyAdd(hi0, v, h2);
            k2 = Avx512F.FusedMultiplyAdd(hi1, v, k2);
            v = Vector512.Load(x3 + o);
            l3 = Avx512F.FusedMultiplyAdd(lo0, v, l3);
            m3 = Avx512F.FusedMultiplyAdd(lo1, v, m3);
            v = Vector512.Load(x3 + o + 16);
            h3 = Avx512F.FusedMultiplyAdd(hi0, v, h3);
            k3 = Avx512F.FusedMultiplyAdd(hi1, v, k3);
            v = Vector512.Load(x4 + o);
            l4 = Avx512F.FusedMultiplyAdd(lo0, v, l4);
            m4 = Avx512F.FusedMultiplyAdd(lo1, v, m4);
            v = Vector512.Load(x4 + o + 16);
            h4 = Avx512F.FusedMultiplyAdd(hi0, v, h4);
            k4 = Avx512F.FusedMultiplyAdd(hi1, v, k4);
            v = Vector512.Load(x5 + o);
            l5 = Avx512F.FusedMultiplyAdd(lo0, v, l5);
            m5 = Avx512F.FusedMultiplyAdd(lo1, v, m5);
            v = Vector512.Load(x5 + o + 16);
            h5 = Avx512F.FusedMultiplyAdd(hi0, v, h5);
            k5 = Avx512F.FusedMultiplyAdd(hi1, v, k5);
        }
        sums[0] = l0; sums[1] = h0; sums[2] = l1; sums[3] = h1; sums[4] = l2; sums[5] = h2;
        sums[6] = l3; sums[7] = h3; sums[8] = l4; sums[9] = h4; sums[10] = l5; sums[11] = h5;
        sums[12] = m0; sums[13] = k0; sums[14] = m1; sums[15] = k1; sums[16] = m2; sums[17] = k2;
        sums[18] = m3; sums[19] = k3; sums[20] = m4; sums[21] = k4; sums[22] = m5; sums[23] = k5;
    }

    // TileAvx512 for four rows × up to three vectors (same passes, same accumulators per (row, vector), so the same
    // bits): each row's group is decoded once for the three vectors, whose inputs are loaded again for each row from
    // L1. sums holds [row][vector][low, high].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void NarrowTileAvx512(byte* b0, byte* s0, byte* b1, byte* s1, byte* b2, byte* s2, byte* b3, byte* s3,
        float* x, long stride, int tile, int from, int end, bool first, Vector512<float>* sums)
    {
        var fp4 = Vector512.Create(0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f);
        ref float scaleTable = ref MemoryMarshal.GetArrayDataReference(ScaleTable);
        float* x0 = x, x1 = tile > 1 ? x + stride : x, x2 = tile > 2 ? x + 2 * stride : x;
        var z = Vector512<float>.Zero;
        Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z;
        Vector512<float> e0 = z, e1 = z, e2 = z, e3 = z, e4 = z, e5 = z, f0 = z, f1 = z, f2 = z, f3 = z, f4 = z, f5 = z;
        if (!first)
        {
            a0 = sums[0]; a1 = sums[1]; a2 = sums[2]; a3 = sums[3]; a4 = sums[4]; a5 = sums[5];
            c0 = sums[6]; c1 = sums[7]; c2 = sums[8]; c3 = sums[9]; c4 = sums[10]; c5 = sums[11];
            e0 = sums[12]; e1 = sums[13]; e2 = sums[14]; e3 = sums[15]; e4 = sums[16]; e5 = sums[17];
            f0 = sums[18]; f1 = sums[19]; f2 = sums[20]; f3 = sums[21]; f4 = sums[22]; f5 = sums[23];
        }
        for (int g = from; g < end; g += 2)
        {
            int o = g * GroupSize;
            var (lo, hi) = DecodeGroup(fp4, ref scaleTable, b0, s0, g);
            a0 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x0 + o), a0);
            a1 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x0 + o + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x1 + o), a2);
            a3 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x1 + o + 16), a3);
            a4 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x2 + o), a4);
            a5 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x2 + o + 16), a5);
            (lo, hi) = DecodeGroup(fp4, ref scaleTable, b1, s1, g);
            c0 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x0 + o), c0);
            c1 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x0 + o + 16), c1);
            c2 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x1 + o), c2);
            c3 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x1 + o + 16), c3);
            c4 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x2 + o), c4);
            c5 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x2 + o + 16), c5);
            (lo, hi) = DecodeGroup(fp4, ref scaleTable, b2, s2, g);
            e0 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x0 + o), e0);
            e1 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x0 + o + 16), e1);
            e2 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x1 + o), e2);
            e3 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x1 + o + 16), e3);
            e4 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x2 + o), e4);
            e5 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x2 + o + 16), e5);
            (lo, hi) = DecodeGroup(fp4, ref scaleTable, b3, s3, g);
            f0 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x0 + o), f0);
            f1 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x0 + o + 16), f1);
            f2 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x1 + o), f2);
            f3 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x1 + o + 16), f3);
            f4 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x2 + o), f4);
            f5 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x2 + o + 16), f5);
        }
        sums[0] = a0; sums[1] = a1; sums[2] = a2; sums[3] = a3; sums[4] = a4; sums[5] = a5;
        sums[6] = c0; sums[7] = c1; sums[8] = c2; sums[9] = c3; sums[10] = c4; sums[11] = c5;
        sums[12] = e0; sums[13] = e1; sums[14] = e2; sums[15] = e3; sums[16] = e4; sums[17] = e5;
        sums[18] = f0; sums[19] = f1; sums[20] = f2; sums[21] = f3; sums[22] = f4; sums[23] = f5;
    }

    // Group g of a row: its 16-entry E2M1 table scaled once, looked up by the low nibbles and (after >> 4) the high ones.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<float> Low, Vector512<float> High) DecodeGroup(Vector512<float> fp4, ref float scaleTable, byte* blocks, byte* scales, int g)
    {
        var table = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g]));
        var nibbles = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * BytesPerGroup));
        return (Avx512F.PermuteVar16x32(table, nibbles), Avx512F.PermuteVar16x32(table, Avx512F.ShiftRightLogical(nibbles, 4)));
    }

    private static Mxfp4Isa Check(int blockBytes, int scaleCount, int inputLength, int biasLength, int rows, int threads, Mxfp4Isa? isa, string inputName)
    {
        if (inputLength == 0 || inputLength % GroupSize != 0)
            throw new Mxfp4KernelException($"{inputName} has {inputLength} elements: MXFP4 rows need a positive multiple of {GroupSize}");
        if (rows == 0)
            throw new Mxfp4KernelException("output is empty: at least one row is needed");
        int groups = inputLength / GroupSize;
        if ((long)rows * groups != scaleCount)
            throw new Mxfp4KernelException($"scales has {scaleCount} bytes, expected rows × groups = {rows} × {groups} = {(long)rows * groups} (output length × input length / {GroupSize})");
        if ((long)rows * groups * BytesPerGroup != blockBytes)
            throw new Mxfp4KernelException($"blocks has {blockBytes} bytes, expected rows × groups × {BytesPerGroup} = {(long)rows * groups * BytesPerGroup}");
        if (biasLength != 0 && biasLength != rows)
            throw new Mxfp4KernelException($"bias has {biasLength} values, expected none or one per row ({rows})");
        if (threads < 1)
            throw new Mxfp4KernelException($"threads must be at least 1, got {threads}");
        var chosen = isa ?? Best;
        if (!IsSupported(chosen))
            throw new Mxfp4KernelException($"this CPU cannot run the {chosen} kernel (best here: {Best})");
        return chosen;
    }

    // The vector paths read each group's low-nibble elements (even indices) as one contiguous run of 16 floats and the
    // high-nibble ones (odd indices) as the next 16, so the input is de-interleaved once per call instead of the
    // weights per row. The scalar path reads the input as given.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Stage(ReadOnlySpan<float> input, Span<float> staged, Mxfp4Isa isa)
    {
        if (isa == Mxfp4Isa.Scalar)
        {
            input.CopyTo(staged);
            return;
        }
        for (int g = 0; g < input.Length; g += GroupSize)
        {
            var source = input.Slice(g, GroupSize);
            var target = staged.Slice(g, GroupSize);
            for (int b = 0; b < BytesPerGroup; b++)
            {
                target[b] = source[2 * b];
                target[BytesPerGroup + b] = source[2 * b + 1];
            }
        }
    }

    private static unsafe void Run(ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> scales, ReadOnlySpan<float> staged,
        ReadOnlySpan<float> bias, Span<float> output, int threads, Mxfp4Isa isa)
    {
        int rows = output.Length;
        int groups = staged.Length / GroupSize;
        int workers = Workers(blocks.Length + (long)scales.Length, rows, threads);
        fixed (byte* b = blocks)
        fixed (byte* s = scales)
        fixed (float* x = staged)
        fixed (float* bi = bias)
        fixed (float* o = output)
        {
            var job = new RowJob(b, s, x, bias.IsEmpty ? null : bi, o, groups, isa);
            if (workers == 1)
            {
                job.Rows(0, rows);
                return;
            }
            RowRanges.Split(job, rows, workers);
        }
    }

    /// <summary>The pointers of one call (pinned by the caller for its duration), so worker threads can share them.</summary>
    private readonly unsafe struct RowJob(byte* blocks, byte* scales, float* staged, float* bias, float* output, int groups, Mxfp4Isa isa) : IRowRangeJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            long rowBytes = (long)groups * BytesPerGroup;
            for (int r = first; r < end; r++)
            {
                byte* rb = blocks + r * rowBytes;
                byte* rs = scales + (long)r * groups;
                float dot = isa switch
                {
                    Mxfp4Isa.Avx512 => RowAvx512(rb, rs, staged, groups),
                    Mxfp4Isa.Avx2 => RowAvx2(rb, rs, staged, groups),
                    _ => RowScalar(rb, rs, staged, groups),
                };
                output[r] = bias == null ? dot : dot + bias[r];
            }
        }
    }

    private static unsafe float RowScalar(byte* blocks, byte* scales, float* x, int groups)
    {
        var fp4 = Fp4Values;
        ref float scaleTable = ref MemoryMarshal.GetArrayDataReference(ScaleTable);
        float sum = 0;
        for (int g = 0; g < groups; g++)
        {
            float scale = Unsafe.Add(ref scaleTable, scales[g]);
            byte* gb = blocks + g * BytesPerGroup;
            float* gx = x + g * GroupSize;
            for (int b = 0; b < BytesPerGroup; b++)
            {
                int v = gb[b];
                sum += fp4[v & 0xF] * scale * gx[2 * b];
                sum += fp4[v >> 4] * scale * gx[2 * b + 1];
            }
        }
        return sum;
    }

    // Per group: the 8 magnitudes scaled once; vpmovzxbd widens 8 bytes to 8 int lanes; vpermps picks a magnitude by the
    // low 3 bits of its lane (the low nibble's, or after >> 4 the high nibble's) and the nibble's sign bit, shifted to
    // bit 31, is xor-ed in. Four accumulators hide the FMA latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float RowAvx2(byte* blocks, byte* scales, float* x, int groups)
    {
        var magnitudes = Vector256.Create(0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f);
        var signBit = Vector256.Create(int.MinValue);
        ref float scaleTable = ref MemoryMarshal.GetArrayDataReference(ScaleTable);
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (int g = 0; g < groups; g++)
        {
            var table = magnitudes * Vector256.Create(Unsafe.Add(ref scaleTable, scales[g]));
            byte* gb = blocks + g * BytesPerGroup;
            float* gx = x + g * GroupSize;
            var v0 = Avx2.ConvertToVector256Int32(gb);
            var v1 = Avx2.ConvertToVector256Int32(gb + 8);
            var lo0 = (Avx2.PermuteVar8x32(table, v0).AsInt32() ^ (Avx2.ShiftLeftLogical(v0, 28) & signBit)).AsSingle();
            var hi0 = (Avx2.PermuteVar8x32(table, Avx2.ShiftRightLogical(v0, 4)).AsInt32() ^ (Avx2.ShiftLeftLogical(v0, 24) & signBit)).AsSingle();
            var lo1 = (Avx2.PermuteVar8x32(table, v1).AsInt32() ^ (Avx2.ShiftLeftLogical(v1, 28) & signBit)).AsSingle();
            var hi1 = (Avx2.PermuteVar8x32(table, Avx2.ShiftRightLogical(v1, 4)).AsInt32() ^ (Avx2.ShiftLeftLogical(v1, 24) & signBit)).AsSingle();
            a0 = Fma.MultiplyAdd(lo0, Vector256.Load(gx), a0);
            a1 = Fma.MultiplyAdd(lo1, Vector256.Load(gx + 8), a1);
            a2 = Fma.MultiplyAdd(hi0, Vector256.Load(gx + 16), a2);
            a3 = Fma.MultiplyAdd(hi1, Vector256.Load(gx + 24), a3);
        }
        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    // Per group: the whole 16-entry E2M1 table scaled once; vpmovzxbd widens the 16 bytes to 16 int lanes and vpermps
    // (which reads only the low 4 bits of each lane) looks up the low nibbles directly and the high ones after >> 4.
    // Two groups per iteration feed four accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float RowAvx512(byte* blocks, byte* scales, float* x, int groups)
    {
        var fp4 = Vector512.Create(0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f);
        ref float scaleTable = ref MemoryMarshal.GetArrayDataReference(ScaleTable);
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            var t0 = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g]));
            var t1 = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g + 1]));
            byte* gb = blocks + g * BytesPerGroup;
            float* gx = x + g * GroupSize;
            var i0 = Avx512F.ConvertToVector512Int32(Vector128.Load(gb));
            var i1 = Avx512F.ConvertToVector512Int32(Vector128.Load(gb + BytesPerGroup));
            a0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t0, i0), Vector512.Load(gx), a0);
            a1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t0, Avx512F.ShiftRightLogical(i0, 4)), Vector512.Load(gx + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t1, i1), Vector512.Load(gx + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t1, Avx512F.ShiftRightLogical(i1, 4)), Vector512.Load(gx + 48), a3);
        }
        if (g < groups)
        {
            var t0 = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g]));
            float* gx = x + g * GroupSize;
            var i0 = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * BytesPerGroup));
            a0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t0, i0), Vector512.Load(gx), a0);
            a1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t0, Avx512F.ShiftRightLogical(i0, 4)), Vector512.Load(gx + 16), a1);
        }
        return Vector512.Sum((a0 + a1) + (a2 + a3));
    }

    private static float[] BuildScaleTable()
    {
        var table = new float[256];
        for (int s = 0; s < 256; s++)
            table[s] = MathF.ScaleB(1f, s - 127);
        return table;
    }
}
