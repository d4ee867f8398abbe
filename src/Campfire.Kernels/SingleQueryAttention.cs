using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Campfire.Kernels;

/// <summary>
/// One query token's grouped-query attention over a key/value cache, as gpt-oss computes it: per query head h (kv head
/// g = h / (heads / kvHeads)), <c>s_j = scale · q_h · k_{j,g}</c> over the attended cache slots j, a softmax whose
/// denominator also holds the head's learned sink logit (attached to no value), and <c>o_h = Σ_j p_j v_{j,g}</c>; all
/// in fp32. A decode step on the CPU runs this instead of ~20 small tensor operations per layer, whose per-call cost
/// was most of a small model's step.
/// </summary>
/// <remarks>
/// The cache is [slots, kvHeads, headDim] row-major, in fp32 or as bf16 bits (each row widened exactly, once for all the query heads that read it). Slots not
/// listed in <c>attend</c> (empty ring slots, positions outside a sliding window) take no part. Scratch comes from
/// <see cref="ArrayPool{T}.Shared"/>, so a warm single-thread call allocates nothing.
/// </remarks>
public static class SingleQueryAttention
{
    /// <summary>Attention over a bf16 cache; see the class. <paramref name="keys"/> and <paramref name="values"/> hold bf16 bits.</summary>
    public static unsafe void ComputeBf16(ReadOnlySpan<float> query, ReadOnlySpan<ushort> keys, ReadOnlySpan<ushort> values,
        ReadOnlySpan<int> attend, ReadOnlySpan<float> sinks, int kvHeads, float scale, Span<float> output, int threads = 1, Mxfp4Isa? isa = null)
    {
        bool simd = Validate(query, keys.Length, values.Length, attend, sinks, kvHeads, output, threads, isa);
        fixed (ushort* k = keys)
        fixed (ushort* v = values)
            Run(query, k, v, bf16: true, simd, attend, sinks, kvHeads, scale, output, threads);
    }

    /// <summary>Attention over an fp32 cache; see the class.</summary>
    public static unsafe void ComputeFloat32(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        ReadOnlySpan<int> attend, ReadOnlySpan<float> sinks, int kvHeads, float scale, Span<float> output, int threads = 1, Mxfp4Isa? isa = null)
    {
        bool simd = Validate(query, keys.Length, values.Length, attend, sinks, kvHeads, output, threads, isa);
        fixed (float* k = keys)
        fixed (float* v = values)
            Run(query, k, v, bf16: false, simd, attend, sinks, kvHeads, scale, output, threads);
    }

    /// <summary>The largest head size (values per head) the kernel takes: a widened row lives on the stack.</summary>
    public const int MaxHeadDim = 1024;

    /// <summary>
    /// Query heads × attended slots each thread must get before the kv heads are split over threads: 8 K scores are
    /// ~1 M multiply-adds (~0.25 ms here), well above a fork/join's tens of microseconds. (At 64 K, a prefill of 2,048
    /// tokens on the hidden-1024 checkpoint, 16 heads, never split its attention.)
    /// </summary>
    public const long MinScoresPerThread = 1 << 13;

    // Whether the 8-wide AVX2 + FMA path runs (AVX-512 adds nothing at head sizes of 64).
    private static bool Validate(ReadOnlySpan<float> query, int keyCount, int valueCount, ReadOnlySpan<int> attend,
        ReadOnlySpan<float> sinks, int kvHeads, Span<float> output, int threads, Mxfp4Isa? isa)
    {
        var chosen = isa ?? Mxfp4MatVec.Best;
        if (!Mxfp4MatVec.IsSupported(chosen))
            throw new Mxfp4KernelException($"this CPU cannot run the {chosen} kernel (best here: {Mxfp4MatVec.Best})");
        int heads = sinks.Length;
        if (heads == 0) throw new Mxfp4KernelException("sinks is empty: one sink logit per query head is needed");
        if (kvHeads < 1 || heads % kvHeads != 0)
            throw new Mxfp4KernelException($"{heads} query heads cannot be grouped over {kvHeads} kv heads");
        if (query.Length == 0 || query.Length % heads != 0)
            throw new Mxfp4KernelException($"query has {query.Length} values, not a multiple of the {heads} heads");
        int headDim = query.Length / heads;
        if (headDim > MaxHeadDim) throw new Mxfp4KernelException($"head size {headDim} is over the {MaxHeadDim} this kernel supports");
        if (output.Length != query.Length)
            throw new Mxfp4KernelException($"output has {output.Length} values, expected one per query value ({query.Length})");
        int row = kvHeads * headDim;
        if (keyCount != valueCount || keyCount % row != 0)
            throw new Mxfp4KernelException($"keys ({keyCount}) and values ({valueCount}) must both be slots × {kvHeads} kv heads × {headDim}");
        if (threads < 1) throw new Mxfp4KernelException($"threads must be at least 1, got {threads}");
        int slots = keyCount / row;
        foreach (int slot in attend)
        {
            if ((uint)slot >= (uint)slots)
                throw new Mxfp4KernelException($"attended slot {slot} is outside the cache's {slots} slots");
        }
        return chosen != Mxfp4Isa.Scalar && Avx2.IsSupported && Fma.IsSupported;
    }

    private static unsafe void Run(ReadOnlySpan<float> query, void* keys, void* values, bool bf16, bool simd, ReadOnlySpan<int> attend,
        ReadOnlySpan<float> sinks, int kvHeads, float scale, Span<float> output, int threads)
    {
        int heads = sinks.Length, headDim = query.Length / heads, n = attend.Length;
        float[] scores = ArrayPool<float>.Shared.Rent(Math.Max(1, heads * n));
        try
        {
            fixed (float* q = query)
            fixed (float* s = sinks)
            fixed (float* o = output)
            fixed (int* a = attend)
            fixed (float* p = scores)
            {
                var job = new HeadJob(q, keys, values, bf16, simd, a, n, s, heads, kvHeads, headDim, scale, p, o);
                int workers = (long)heads * n >= MinScoresPerThread * 2 ? Math.Min(threads, kvHeads) : 1;
                if (workers <= 1) job.Rows(0, kvHeads);
                else RowRanges.Split(job, kvHeads, workers);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    private readonly unsafe struct HeadJob(float* query, void* keys, void* values, bool bf16, bool simd, int* attend, int n, float* sinks,
        int heads, int kvHeads, int headDim, float scale, float* scores, float* output) : IRowRangeJob
    {
        // Rows here are kv heads: each with its group of query heads.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int end)
        {
            int group = heads / kvHeads;
            long rowStride = (long)kvHeads * headDim;
            // A bf16 row is widened once here for the whole group of query heads that share it.
            float* wide = stackalloc float[bf16 ? headDim : 0];
            for (int g = first; g < end; g++)
            {
                int h0 = g * group;
                // Four query heads at a time share each key row's loads, and their four sums are reduced together
                // (one horizontal sum per score, dependent on its own FMA chain, was most of a score's cost).
                bool fourAtOnce = simd && headDim % 8 == 0 && group % 4 == 0;
                for (int i = 0; i < n; i++)
                {
                    long offset = attend[i] * rowStride + (long)g * headDim;
                    float* k = bf16 ? Widen(simd, (ushort*)keys + offset, wide, headDim) : (float*)keys + offset;
                    if (fourAtOnce)
                    {
                        for (int qh = 0; qh < group; qh += 4)
                        {
                            float* q0 = query + (long)(h0 + qh) * headDim;
                            var dots = Dot4(q0, q0 + headDim, q0 + 2 * headDim, q0 + 3 * headDim, k, headDim) * scale;
                            for (int t = 0; t < 4; t++) scores[(long)(h0 + qh + t) * n + i] = dots.GetElement(t);
                        }
                    }
                    else
                    {
                        for (int qh = 0; qh < group; qh++)
                            scores[(long)(h0 + qh) * n + i] = DotFloat(simd, query + (long)(h0 + qh) * headDim, k, headDim) * scale;
                    }
                }
                for (int qh = 0; qh < group; qh++)
                {
                    int h = h0 + qh;
                    if (simd) SoftmaxWithSinkSimd(scores + (long)h * n, n, sinks[h]);
                    else SoftmaxWithSink(scores + (long)h * n, n, sinks[h]);
                    new Span<float>(output + (long)h * headDim, headDim).Clear();
                }
                for (int i = 0; i < n; i++)
                {
                    long offset = attend[i] * rowStride + (long)g * headDim;
                    float* v = bf16 ? Widen(simd, (ushort*)values + offset, wide, headDim) : (float*)values + offset;
                    for (int qh = 0; qh < group; qh++)
                    {
                        int h = h0 + qh;
                        AddScaledFloat(simd, output + (long)h * headDim, v, scores[(long)h * n + i], headDim);
                    }
                }
            }
        }
    }

    // The row's softmax with the sink logit in the denominator, in place.
    private static unsafe void SoftmaxWithSink(float* row, int n, float sink)
    {
        float max = sink;
        for (int i = 0; i < n; i++) max = MathF.Max(max, row[i]);
        float sum = MathF.Exp(sink - max);
        for (int i = 0; i < n; i++)
        {
            float e = MathF.Exp(row[i] - max);
            row[i] = e;
            sum += e;
        }
        float inverse = 1f / sum;
        for (int i = 0; i < n; i++) row[i] *= inverse;
    }

    // The same, eight scores at a time (Vector256.Exp: within 2 ulps of MathF.Exp); the scalar exp per score was a
    // quarter of a long context's attention.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SoftmaxWithSinkSimd(float* row, int n, float sink)
    {
        int i = 0;
        var maxes = Vector256.Create(sink);
        for (; i + 8 <= n; i += 8) maxes = Vector256.Max(maxes, Vector256.Load(row + i));
        float max = sink;
        for (int t = 0; t < 8; t++) max = MathF.Max(max, maxes.GetElement(t));
        for (; i < n; i++) max = MathF.Max(max, row[i]);

        var shift = Vector256.Create(max);
        var sums = Vector256<float>.Zero;
        i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var e = Vector256.Exp(Vector256.Load(row + i) - shift);
            Vector256.Store(e, row + i);
            sums += e;
        }
        float sum = MathF.Exp(sink - max) + Vector256.Sum(sums);
        for (; i < n; i++)
        {
            float e = MathF.Exp(row[i] - max);
            row[i] = e;
            sum += e;
        }
        var inverse = Vector256.Create(1f / sum);
        i = 0;
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(row + i) * inverse, row + i);
        for (; i < n; i++) row[i] *= inverse.GetElement(0);
    }

    // Four dot products with one key row (d a multiple of 8): four independent FMA chains, then one reduction tree.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> Dot4(float* q0, float* q1, float* q2, float* q3, float* k, int d)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < d; j += 8)
        {
            var kv = Vector256.Load(k + j);
            a0 = Fma.MultiplyAdd(Vector256.Load(q0 + j), kv, a0);
            a1 = Fma.MultiplyAdd(Vector256.Load(q1 + j), kv, a1);
            a2 = Fma.MultiplyAdd(Vector256.Load(q2 + j), kv, a2);
            a3 = Fma.MultiplyAdd(Vector256.Load(q3 + j), kv, a3);
        }
        // Per 128-bit half: [Σa0, Σa1, Σa2, Σa3] over that half's lanes; then the halves are added.
        var sums = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        return sums.GetLower() + sums.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float DotFloat(bool simd, float* q, float* k, int d)
    {
        int j = 0;
        float sum = 0;
        if (simd && d >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; j + 8 <= d; j += 8) acc = Fma.MultiplyAdd(Vector256.Load(q + j), Vector256.Load(k + j), acc);
            sum = Vector256.Sum(acc);
        }
        for (; j < d; j++) sum += q[j] * k[j];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddScaledFloat(bool simd, float* o, float* v, float weight, int d)
    {
        int j = 0;
        if (simd && d >= 8)
        {
            var w = Vector256.Create(weight);
            for (; j + 8 <= d; j += 8) Vector256.Store(Fma.MultiplyAdd(w, Vector256.Load(v + j), Vector256.Load(o + j)), o + j);
        }
        for (; j < d; j++) o[j] += weight * v[j];
    }

    // bf16 bits to the fp32 values they stand for (exact), into `into`; returns it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float* Widen(bool simd, ushort* bits, float* into, int d)
    {
        int j = 0;
        if (simd)
            for (; j + 8 <= d; j += 8) Vector256.Store(Widen(bits + j), into + j);
        for (; j < d; j++) into[j] = BitConverter.Int32BitsToSingle(bits[j] << 16);
        return into;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Widen(ushort* bits) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(bits), 16).AsSingle();
}
