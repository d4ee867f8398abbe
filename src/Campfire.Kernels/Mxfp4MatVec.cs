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
    /// decoded once for every four vectors (the AVX-512 path), instead of once per vector.
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
            // Each four vectors read the rows again (from cache): that much more work to share.
            int workers = Workers((long)(blocks.Length + scales.Length) * ((count + 3) / 4), rows, threads);
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
        // Rows in blocks that stay in L2 while every tile of four vectors passes over them (see Bf16MatVec.MultiplyMany).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            int rowsPerBlock = Math.Max(1, Bf16MatVec.BlockBytes / (groups * (BytesPerGroup + 1)));
            for (int block = first; block < end; block += rowsPerBlock)
                Block(block, Math.Min(end, block + rowsPerBlock));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Block(int first, int end)
        {
            long rowBytes = (long)groups * BytesPerGroup;
            int columns = groups * GroupSize;
            float* dots = stackalloc float[4];
            for (int j = 0; j < count; j += 4)
            {
                int tile = Math.Min(4, count - j);
                for (int r = first; r < end; r++)
                {
                    byte* rb = blocks + r * rowBytes;
                    byte* rs = scales + (long)r * groups;
                    if (isa == Mxfp4Isa.Avx512 && tile == 1)
                    {
                        // One vector (a decode step's, or a prompt's last): the one-vector loop, a quarter of the FMAs.
                        dots[0] = RowAvx512(rb, rs, staged + (long)j * columns, groups);
                    }
                    else if (isa == Mxfp4Isa.Avx512)
                    {
                        // A short tile repeats its first vector in the unused lanes; their sums are dropped.
                        float* x0 = staged + (long)j * columns;
                        RowAvx512Four(rb, rs, x0, tile > 1 ? x0 + columns : x0, tile > 2 ? x0 + 2 * columns : x0,
                            tile > 3 ? x0 + 3 * columns : x0, groups, dots);
                    }
                    else
                    {
                        for (int t = 0; t < tile; t++)
                        {
                            float* x = staged + (long)(j + t) * columns;
                            dots[t] = isa == Mxfp4Isa.Avx2 ? RowAvx2(rb, rs, x, groups) : RowScalar(rb, rs, x, groups);
                        }
                    }
                    for (int t = 0; t < tile; t++)
                        outputs[(long)(j + t) * rows + r] = bias == null ? dots[t] : dots[t] + bias[r];
                }
            }
        }
    }

    // RowAvx512's decoding, done once per group for four vectors, each summed exactly as RowAvx512 sums it (the same
    // four accumulators, two groups per iteration), so a vector gets the same bits as from a one-vector call.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowAvx512Four(byte* blocks, byte* scales, float* x0, float* x1, float* x2, float* x3, int groups, float* dots)
    {
        var fp4 = Vector512.Create(0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f);
        ref float scaleTable = ref MemoryMarshal.GetArrayDataReference(ScaleTable);
        var z = Vector512<float>.Zero;
        Vector512<float> a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        Vector512<float> a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            var t0 = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g]));
            var t1 = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g + 1]));
            var i0 = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * BytesPerGroup));
            var i1 = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + (g + 1) * BytesPerGroup));
            var w0 = Avx512F.PermuteVar16x32(t0, i0);
            var w1 = Avx512F.PermuteVar16x32(t0, Avx512F.ShiftRightLogical(i0, 4));
            var w2 = Avx512F.PermuteVar16x32(t1, i1);
            var w3 = Avx512F.PermuteVar16x32(t1, Avx512F.ShiftRightLogical(i1, 4));
            int o = g * GroupSize;
            a00 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x0 + o), a00);
            a01 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x0 + o + 16), a01);
            a02 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x0 + o + 32), a02);
            a03 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x0 + o + 48), a03);
            a10 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x1 + o), a10);
            a11 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x1 + o + 16), a11);
            a12 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x1 + o + 32), a12);
            a13 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x1 + o + 48), a13);
            a20 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x2 + o), a20);
            a21 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x2 + o + 16), a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x2 + o + 32), a22);
            a23 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x2 + o + 48), a23);
            a30 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x3 + o), a30);
            a31 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x3 + o + 16), a31);
            a32 = Avx512F.FusedMultiplyAdd(w2, Vector512.Load(x3 + o + 32), a32);
            a33 = Avx512F.FusedMultiplyAdd(w3, Vector512.Load(x3 + o + 48), a33);
        }
        if (g < groups)
        {
            var t0 = fp4 * Vector512.Create(Unsafe.Add(ref scaleTable, scales[g]));
            var i0 = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * BytesPerGroup));
            var w0 = Avx512F.PermuteVar16x32(t0, i0);
            var w1 = Avx512F.PermuteVar16x32(t0, Avx512F.ShiftRightLogical(i0, 4));
            int o = g * GroupSize;
            a00 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x0 + o), a00);
            a01 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x0 + o + 16), a01);
            a10 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x1 + o), a10);
            a11 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x1 + o + 16), a11);
            a20 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x2 + o), a20);
            a21 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x2 + o + 16), a21);
            a30 = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(x3 + o), a30);
            a31 = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(x3 + o + 16), a31);
        }
        dots[0] = Vector512.Sum((a00 + a01) + (a02 + a03));
        dots[1] = Vector512.Sum((a10 + a11) + (a12 + a13));
        dots[2] = Vector512.Sum((a20 + a21) + (a22 + a23));
        dots[3] = Vector512.Sum((a30 + a31) + (a32 + a33));
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
