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
    /// widened once for every four vectors (two on AVX2) while it is in L1, instead of once per vector, and each vector
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
        int workers = Mxfp4MatVec.Workers(2L * weights.Length * ((count + 3) / 4), rows, threads);
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
        // Rows in blocks that stay in L2 while every tile of vectors passes over them, each tile's vectors staying in
        // L1: row-major over all vectors read every vector from L2 for each row (4 bytes per multiply-add), which bound
        // the kernel at about half its arithmetic rate.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            int rowsPerBlock = Math.Max(1, BlockBytes / (2 * columns));
            for (int block = first; block < end; block += rowsPerBlock)
                Block(block, Math.Min(end, block + rowsPerBlock));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Block(int first, int end)
        {
            float* dots = stackalloc float[4];
            int j = 0;
            if (isa == Mxfp4Isa.Avx512)
            {
                for (; j + 4 <= count; j += 4)
                {
                    float* x0 = inputs + (long)j * columns;
                    for (int r = first; r < end; r++)
                    {
                        RowAvx512Four(weights + (long)r * columns, x0, x0 + columns, x0 + 2 * columns, x0 + 3 * columns, columns, dots);
                        Store(dots, 4, j, r);
                    }
                }
            }
            else if (isa == Mxfp4Isa.Avx2)
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

    /// <summary>Weight bytes of one row block of <see cref="MultiplyMany"/>: well inside a 512 KB–1 MB L2.</summary>
    internal const int BlockBytes = 192 << 10;

    // RowAvx512 for four vectors: each row chunk widened once, each vector summed exactly as RowAvx512 sums it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowAvx512Four(ushort* row, float* x0, float* x1, float* x2, float* x3, int columns, float* dots)
    {
        var z = Vector512<float>.Zero;
        Vector512<float> a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        Vector512<float> a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int k = 0;
        for (; k + 64 <= columns; k += 64)
        {
            var w0 = Widen512(row + k);
            var w1 = Widen512(row + k + 16);
            var w2 = Widen512(row + k + 32);
            var w3 = Widen512(row + k + 48);
            a00 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x0 + k), a00);
            a01 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x0 + k + 16), a01);
            a02 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x0 + k + 32), a02);
            a03 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x0 + k + 48), a03);
            a10 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x1 + k), a10);
            a11 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x1 + k + 16), a11);
            a12 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x1 + k + 32), a12);
            a13 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x1 + k + 48), a13);
            a20 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x2 + k), a20);
            a21 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x2 + k + 16), a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x2 + k + 32), a22);
            a23 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x2 + k + 48), a23);
            a30 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x3 + k), a30);
            a31 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x3 + k + 16), a31);
            a32 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x3 + k + 32), a32);
            a33 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x3 + k + 48), a33);
        }
        for (; k + 16 <= columns; k += 16)
        {
            var w0 = Widen512(row + k);
            a00 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x0 + k), a00);
            a10 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x1 + k), a10);
            a20 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x2 + k), a20);
            a30 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x3 + k), a30);
        }
        // All four sums before the tail's calls: accumulators live across a call were spilled inside the loop.
        float d0 = Vector512.Sum((a00 + a01) + (a02 + a03)), d1 = Vector512.Sum((a10 + a11) + (a12 + a13));
        float d2 = Vector512.Sum((a20 + a21) + (a22 + a23)), d3 = Vector512.Sum((a30 + a31) + (a32 + a33));
        dots[0] = d0 + RowScalar(row, x0, k, columns);
        dots[1] = d1 + RowScalar(row, x1, k, columns);
        dots[2] = d2 + RowScalar(row, x2, k, columns);
        dots[3] = d3 + RowScalar(row, x3, k, columns);
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
