using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Campfire.Kernels;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// One token's selected experts on the CPU, straight from their MXFP4 bytes with the fused kernel
/// (<see cref="Mxfp4MatVec"/>): mlp1, SwiGLU (clamp, α, interleaved gate/linear rows), mlp2 and the router-weighted sum,
/// all in fp32. Nothing is dequantised to memory: each selected expert's blocks and scales are read once per token.
/// </summary>
/// <remarks>
/// Accumulation and the SwiGLU stay in fp32 for both activation dtypes (the torch path rounds h and u to bf16 in a
/// bf16 model); the layer's output is rounded to the activation dtype as the torch path's is. Not thread-safe: one per
/// model, used by its (single) forward pass at a time.
/// </remarks>
internal sealed class FusedExperts
{
    private readonly GptOssConfig _config;
    private readonly Dictionary<GptOssLayerWeights, (float[] Mlp1Bias, float[] Mlp2Bias)> _biases = new(ReferenceEqualityComparer.Instance);
    private readonly float[] _hidden;     // mlp1 output, 2I (gate and linear interleaved)
    private readonly float[] _swiglu;     // I
    private readonly float[] _expertOut;  // H
    private readonly float[] _sum;        // H
    private readonly float[] _input;      // H, the token's activations widened to fp32

    public FusedExperts(GptOssConfig config)
    {
        _config = config;
        _hidden = new float[2 * config.IntermediateSize];
        _swiglu = new float[config.IntermediateSize];
        _expertOut = new float[config.HiddenSize];
        _sum = new float[config.HiddenSize];
        _input = new float[config.HiddenSize];
        _expertStart = new int[config.NumExperts + 1];
        _expertFill = new int[config.NumExperts];
        int h = config.HiddenSize, i2 = 2 * config.IntermediateSize;
        _sizes = new ExpertSizes((long)i2 * (h / 32) * 16, (long)i2 * (h / 32), (long)h * (config.IntermediateSize / 32) * 16, (long)h * (config.IntermediateSize / 32));
    }

    /// <summary>Bytes of one expert's MXFP4 blocks and scales, for mlp1 and mlp2.</summary>
    private readonly record struct ExpertSizes(long Blocks1, long Scales1, long Blocks2, long Scales2)
    {
        public long Total => Blocks1 + Scales1 + Blocks2 + Scales2;
    }

    private readonly ExpertSizes _sizes;

    /// <summary>
    /// The MoE output [1, H] (fp32) of one token <paramref name="t"/> [1, H] for the experts <paramref name="chosen"/>
    /// with router weights <paramref name="weights"/> (same order), rows split over <paramref name="threads"/>.
    /// </summary>
    public unsafe Tensor Forward(Tensor t, GptOssLayerWeights w, ReadOnlySpan<long> chosen, ReadOnlySpan<float> weights, int threads)
    {
        int h = _config.HiddenSize;
        using (var wide = t.to(ScalarType.Float32).contiguous())
            MemoryMarshal.Cast<byte, float>(wide.bytes).CopyTo(_input);

        Forward(_input, w, chosen, weights, threads, _sum);
        // A tensor of its own (not one over _sum, which the next layer overwrites), filled through its byte view.
        var result = empty([1, h], ScalarType.Float32);
        MemoryMarshal.AsBytes(_sum.AsSpan()).CopyTo(result.bytes);
        return result;
    }

    /// <summary>The MoE output (fp32, H values) of one token's fp32 activations <paramref name="input"/>, into <paramref name="sum"/>.</summary>
    public void Forward(ReadOnlySpan<float> input, GptOssLayerWeights w, ReadOnlySpan<long> chosen, ReadOnlySpan<float> weights, int threads, Span<float> sum)
    {
        sum.Clear();
        // Experts in id order, as the batched torch path adds them, so float32 sums round alike.
        Span<int> order = stackalloc int[chosen.Length];
        for (int s = 0; s < order.Length; s++) order[s] = s;
        for (int a = 1; a < order.Length; a++)
            for (int b = a; b > 0 && chosen[order[b]] < chosen[order[b - 1]]; b--) (order[b], order[b - 1]) = (order[b - 1], order[b]);

        var experts = new ExpertPointers(this, w);
        foreach (int slot in order)
            AddExpert(experts, (int)chosen[slot], weights[slot], input, sum, threads);
    }

    /// <summary>
    /// Adds expert <paramref name="expert"/>'s output for some prompt tokens to their rows of <paramref name="output"/>
    /// (fp32 [n, H], contiguous, on the CPU): token <c>tokens[j]</c> with router weight <c>weights[j]</c>, read from
    /// <paramref name="input"/> (fp32 [n, H], contiguous). Used by the torch prefill: the kernel decodes each MXFP4 row
    /// once for every four tokens (<see cref="Mxfp4MatVec.MultiplyMany"/>), and each token gets the bits a one-token call gives.
    /// </summary>
    public unsafe void AddExpertRows(Tensor input, Tensor output, GptOssLayerWeights w, int expert, ReadOnlySpan<long> tokens,
        ReadOnlySpan<float> weights, int threads)
    {
        int h = _config.HiddenSize, m = tokens.Length;
        var rowsIn = MemoryMarshal.Cast<byte, float>(input.bytes);
        var rowsOut = MemoryMarshal.Cast<byte, float>(output.bytes);
        var scratch = Scratch(0, m);
        for (int j = 0; j < m; j++)
            rowsIn.Slice((int)tokens[j] * h, h).CopyTo(scratch.Input.AsSpan(j * h, h));
        RunExpert(new ExpertPointers(this, w), expert, scratch, m, threads);
        for (int j = 0; j < m; j++)
        {
            var sum = rowsOut.Slice((int)tokens[j] * h, h);
            var y = scratch.Output.AsSpan(j * h, h);
            float weight = weights[j];
            for (int k = 0; k < h; k++) sum[k] += y[k] * weight;
        }
    }

    /// <summary>
    /// The MoE output (fp32) of <paramref name="count"/> tokens (a prefill): <paramref name="input"/> [count, H] fp32,
    /// each token's experts <c>chosen[t · k ..]</c> with router weights <c>weights[t · k ..]</c>, into
    /// <paramref name="sums"/> [count, H]. Each chosen expert runs once for all the tokens that chose it
    /// (<see cref="Mxfp4MatVec.MultiplyMany"/>); with more than one thread, different experts run on different threads.
    /// Every token's experts are then added in id order, as <see cref="Forward(ReadOnlySpan{float}, GptOssLayerWeights,
    /// ReadOnlySpan{long}, ReadOnlySpan{float}, int, Span{float})"/> adds them, so each token gets the bits of a one-token call.
    /// <paramref name="nextLayer"/> is the layer that runs next when this prompt chunk is long enough to pick nearly all
    /// of its experts (see <see cref="TouchAhead"/>): their pages are touched after this layer's, while this layer computes.
    /// </summary>
    public unsafe void ForwardMany(ReadOnlySpan<float> input, int count, GptOssLayerWeights w, ReadOnlySpan<long> chosen,
        ReadOnlySpan<float> weights, int threads, Span<float> sums, GptOssLayerWeights? nextLayer = null)
    {
        var c = _config;
        int h = c.HiddenSize, k = c.ExpertsPerToken, experts = c.NumExperts;
        // Per expert, its tokens (CSR over experts) and where each token's weighted output goes: row t · k + rank, rank
        // being the expert's place among the token's chosen in id order.
        Array.Clear(_expertStart);
        for (int slot = 0; slot < count * k; slot++) _expertStart[chosen[slot] + 1]++;
        for (int e = 0; e < experts; e++) _expertStart[e + 1] += _expertStart[e];
        Grow(ref _entryToken, count * k);
        Grow(ref _entryRow, count * k);
        Grow(ref _entryWeight, count * k);
        _expertStart.AsSpan(0, experts).CopyTo(_expertFill);
        for (int t = 0; t < count; t++)
        {
            var mine = chosen.Slice(t * k, k);
            for (int s = 0; s < k; s++)
            {
                int rank = 0;
                foreach (long other in mine) if (other < mine[s]) rank++;
                int entry = _expertFill[mine[s]]++;
                _entryToken[entry] = t;
                _entryRow[entry] = t * k + rank;
                _entryWeight[entry] = weights[t * k + s];
            }
        }
        var active = new List<int>(experts);
        for (int e = 0; e < experts; e++) if (_expertStart[e + 1] > _expertStart[e]) active.Add(e);
        // Busiest first, so the last expert a thread takes is a short one.
        active.Sort((a, b) => (_expertStart[b + 1] - _expertStart[b]).CompareTo(_expertStart[a + 1] - _expertStart[a]));

        Grow(ref _contributions, count * k * h);
        var pointers = new ExpertPointers(this, w);
        // Experts go to different threads only with Mxfp4MatVec.MinBytesPerThread of weight reads each (a tiny model's
        // experts cost less than the fork and join).
        long work = 0;
        foreach (int e in active) work += _sizes.Total * ((_expertStart[e + 1] - _expertStart[e] + 3) / 4);
        int workers = (int)Math.Max(1, Math.Min(Math.Min(threads, active.Count), work / Math.Max(1, MinWorkPerThread)));
        for (int i = 0; i < workers; i++) Scratch(i, 0);
        _nextExpert = 0;
        fixed (float* x = input)
        {
            // One thread: the kernels split each expert's rows instead (over `threads`, when they are large enough).
            var job = new ManyJob(this, pointers, x, active, workers == 1 ? threads : 1);
            if (workers == 1)
            {
                Task? toucher = null;
                if (TouchAhead && count > 1 && FileReader is null)
                {
                    _stopTouching = false;
                    ExpertPointers? next = nextLayer is null ? null : new ExpertPointers(this, nextLayer);
                    toucher = Task.Run(() =>
                    {
                        TouchFromTheEnd(pointers, active);
                        if (next is { } n) TouchAll(n);
                    });
                }
                try
                {
                    job.Run(0);
                }
                finally
                {
                    // Even when a product failed: the toucher must be done before the mapping can go.
                    _stopTouching = true;
                    toucher?.Wait();
                }
            }
            else
            {
                KernelThreads.Run(new ExpertParts(job), workers);
            }
        }

        for (int t = 0; t < count; t++)
        {
            var sum = sums.Slice(t * h, h);
            sum.Clear();
            for (int rank = 0; rank < k; rank++)
            {
                var part = _contributions.AsSpan((t * k + rank) * h, h);
                for (int i = 0; i < h; i++) sum[i] += part[i];
            }
        }
    }

    /// <summary>Expert weight reads (bytes, once per four tokens) each thread must get before a prefill's experts split over threads.</summary>
    internal long MinWorkPerThread { get; set; } = Mxfp4MatVec.MinBytesPerThread;

    private readonly int[] _expertStart, _expertFill;
    private int[] _entryToken = [], _entryRow = [];
    private float[] _entryWeight = [], _contributions = [];
    private int _nextExpert;

    /// <summary>
    /// Whether a prefill that runs its experts on one thread has another core touch their pages meanwhile, from the
    /// last expert backwards until it meets the computing thread. The first touch of a page of the mapped checkpoint
    /// costs 1.2–2.5 µs on this project's VMs, and a prefill is often the first use of most experts (a hidden-1024
    /// checkpoint's 107 MB of experts: ~100 ms of its first prompt). Only the experts the prompt chose are touched.
    /// </summary>
    internal bool TouchAhead { get; set; } = WeightPrefetcher.Enabled && Environment.ProcessorCount > 1;

    private volatile bool _stopTouching;

    // Every expert of the next layer, until this layer's experts are done.
    private void TouchAll(ExpertPointers w)
    {
        for (int e = 0; e < _config.NumExperts; e++)
            if (!TouchExpert(w, e, () => _stopTouching)) return;
    }

    // The chosen experts from the last backwards, until the computing thread reaches the one being touched (it faults
    // in the rest itself).
    private void TouchFromTheEnd(ExpertPointers w, List<int> active)
    {
        for (int next = active.Count - 1; next > Volatile.Read(ref _nextExpert); next--)
        {
            int mine = next;
            if (!TouchExpert(w, active[mine], () => Volatile.Read(ref _nextExpert) > mine)) return;
        }
    }

    private static unsafe bool TouchExpert(ExpertPointers w, int e, Func<bool> stop)
    {
        var s = w.Sizes;
        return WeightPrefetcher.TouchPages(w.Blocks1 + e * s.Blocks1, s.Blocks1, stop) && WeightPrefetcher.TouchPages(w.Scales1 + e * s.Scales1, s.Scales1, stop) &&
               WeightPrefetcher.TouchPages(w.Blocks2 + e * s.Blocks2, s.Blocks2, stop) && WeightPrefetcher.TouchPages(w.Scales2 + e * s.Scales2, s.Scales2, stop);
    }

    /// <summary>One prefill MoE call's work: threads take the next expert until none is left.</summary>
    private sealed unsafe class ManyJob(FusedExperts owner, ExpertPointers pointers, float* input, List<int> active, int kernelThreads)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int worker)
        {
            var scratch = owner._scratch[worker];
            int h = owner._config.HiddenSize;
            while (true)
            {
                int next = Interlocked.Increment(ref owner._nextExpert) - 1;
                if (next >= active.Count) return;
                int e = active[next];
                int first = owner._expertStart[e], m = owner._expertStart[e + 1] - first;
                scratch = owner.EnsureScratch(scratch, m);
                for (int j = 0; j < m; j++)
                    new ReadOnlySpan<float>(input + (long)owner._entryToken[first + j] * h, h).CopyTo(scratch.Input.AsSpan(j * h, h));
                owner.RunExpert(pointers, e, scratch, m, kernelThreads);
                for (int j = 0; j < m; j++)
                {
                    var y = scratch.Output.AsSpan(j * h, h);
                    var part = owner._contributions.AsSpan(owner._entryRow[first + j] * h, h);
                    float weight = owner._entryWeight[first + j];
                    for (int i = 0; i < h; i++) part[i] = y[i] * weight;
                }
            }
        }
    }

    private readonly struct ExpertParts(ManyJob job) : IKernelParts
    {
        public void Run(int part) => job.Run(part);
    }

    /// <summary>Buffers of one thread's expert products, [tokens, width], grown to the most tokens an expert has had.</summary>
    private sealed class ExpertScratch
    {
        public float[] Input = [], Hidden = [], Swiglu = [], Output = [], Chunk = [];
        public byte[] Blocks = [], Scales = [];
    }

    private readonly List<ExpertScratch> _scratch = [];

    private ExpertScratch Scratch(int worker, int tokens)
    {
        while (_scratch.Count <= worker) _scratch.Add(new ExpertScratch());
        return EnsureScratch(_scratch[worker], tokens);
    }

    private ExpertScratch EnsureScratch(ExpertScratch scratch, int tokens)
    {
        var c = _config;
        Grow(ref scratch.Input, tokens * c.HiddenSize);
        Grow(ref scratch.Hidden, tokens * 2 * c.IntermediateSize);
        Grow(ref scratch.Swiglu, tokens * c.IntermediateSize);
        Grow(ref scratch.Output, tokens * c.HiddenSize);
        return scratch;
    }

    // Expert e on the m tokens staged in scratch.Input: mlp1, SwiGLU, mlp2 into scratch.Output.
    private void RunExpert(ExpertPointers w, int e, ExpertScratch scratch, int m, int threads)
    {
        var c = _config;
        int h = c.HiddenSize, i2 = 2 * c.IntermediateSize, i = c.IntermediateSize;
        Product(w, e, second: false, scratch.Input.AsSpan(0, m * h), m, w.Mlp1Bias.AsSpan(e * i2, i2), scratch.Hidden.AsSpan(0, m * i2), threads, scratch);
        for (int j = 0; j < m; j++)
            SwiGlu(scratch.Hidden.AsSpan(j * i2, i2), scratch.Swiglu.AsSpan(j * i, i), (float)c.SwigluLimit, (float)c.SwigluAlpha);
        Product(w, e, second: true, scratch.Swiglu.AsSpan(0, m * i), m, w.Mlp2Bias.AsSpan(e * h, h), scratch.Output.AsSpan(0, m * h), threads, scratch);
    }

    /// <summary>
    /// Reads the experts' MXFP4 bytes with file reads, a chunk of rows at a time into a buffer of the thread's, instead
    /// of through the mapping (see <see cref="CheckpointFileReader"/>); null: through the mapping. A chunk's rows run on the
    /// calling thread (a step at two threads already gives each thread whole experts).
    /// </summary>
    internal CheckpointFileReader? FileReader { get; set; }

    /// <summary>MXFP4 block bytes per file read (<see cref="CheckpointFileReader.ChunkBytes"/> unless a test sets it).</summary>
    internal int ChunkBytes { get; set; } = CheckpointFileReader.ChunkBytes;

    // Expert e's mlp1 (or mlp2, second) times m tokens' inputs [m, columns] into outputs [m, rows]. Read from the file, the
    // rows come a chunk at a time; the kernel gives every row the bits it gives it from the mapping.
    private void Product(ExpertPointers w, int e, bool second, ReadOnlySpan<float> inputs, int m, ReadOnlySpan<float> bias,
        Span<float> outputs, int threads, ExpertScratch scratch)
    {
        var blocks = second ? w.Blocks2Of(e) : w.Blocks1Of(e);
        var scales = second ? w.Scales2Of(e) : w.Scales1Of(e);
        int columns = inputs.Length / m, rows = outputs.Length / m;
        if (FileReader is not { } reader || w.Files is not { } files)
        {
            if (m == 1) Mxfp4MatVec.Multiply(blocks, scales, inputs, bias, outputs, threads);
            else Mxfp4MatVec.MultiplyMany(blocks, scales, inputs, columns, bias, outputs, threads);
            return;
        }
        int groups = columns / Mxfp4MatVec.GroupSize, rowBytes = groups * Mxfp4MatVec.BytesPerGroup;
        int chunkRows = Math.Clamp(ChunkBytes / rowBytes, 1, rows);
        var (blockFile, scaleFile) = second ? (files.Mlp2Blocks, files.Mlp2Scales) : (files.Mlp1Blocks, files.Mlp1Scales);
        long blockStart = e * (long)blocks.Length, scaleStart = e * (long)scales.Length;
        Grow(ref scratch.Blocks, chunkRows * rowBytes);
        Grow(ref scratch.Scales, chunkRows * groups);
        if (m > 1) Grow(ref scratch.Chunk, m * chunkRows);
        for (int r = 0; r < rows; r += chunkRows)
        {
            int n = Math.Min(chunkRows, rows - r);
            var chunkBlocks = scratch.Blocks.AsSpan(0, n * rowBytes);
            var chunkScales = scratch.Scales.AsSpan(0, n * groups);
            reader.Read(blockFile, blockStart + (long)r * rowBytes, chunkBlocks);
            reader.Read(scaleFile, scaleStart + (long)r * groups, chunkScales);
            if (m == 1)
            {
                Mxfp4MatVec.Multiply(chunkBlocks, chunkScales, inputs, bias.Slice(r, n), outputs.Slice(r, n));
                continue;
            }
            var part = scratch.Chunk.AsSpan(0, m * n);
            Mxfp4MatVec.MultiplyMany(chunkBlocks, chunkScales, inputs, columns, bias.Slice(r, n), part);
            for (int j = 0; j < m; j++) part.Slice(j * n, n).CopyTo(outputs.Slice(j * rows + r, n));
        }
    }

    /// <summary>A layer's expert bytes (the mapped checkpoint's, which never move) and biases, shareable with worker threads.</summary>
    private readonly unsafe struct ExpertPointers
    {
        public readonly byte* Blocks1, Scales1, Blocks2, Scales2;
        public readonly ExpertSizes Sizes;
        public readonly float[] Mlp1Bias, Mlp2Bias;
        public readonly ExpertFileRegions? Files;

        public ExpertPointers(FusedExperts owner, GptOssLayerWeights w)
        {
            Blocks1 = Pointer(w.Mlp1Blocks);
            Scales1 = Pointer(w.Mlp1Scales);
            Blocks2 = Pointer(w.Mlp2Blocks);
            Scales2 = Pointer(w.Mlp2Scales);
            Sizes = owner._sizes;
            (Mlp1Bias, Mlp2Bias) = owner.Biases(w);
            Files = w.ExpertFiles;
        }

        public ReadOnlySpan<byte> Blocks1Of(int e) => new(Blocks1 + e * Sizes.Blocks1, (int)Sizes.Blocks1);
        public ReadOnlySpan<byte> Scales1Of(int e) => new(Scales1 + e * Sizes.Scales1, (int)Sizes.Scales1);
        public ReadOnlySpan<byte> Blocks2Of(int e) => new(Blocks2 + e * Sizes.Blocks2, (int)Sizes.Blocks2);
        public ReadOnlySpan<byte> Scales2Of(int e) => new(Scales2 + e * Sizes.Scales2, (int)Sizes.Scales2);

        private static byte* Pointer(Tensor t) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(Bytes(t)));
    }

    private static void Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[length];
    }

    private void AddExpert(ExpertPointers w, int e, float weight, ReadOnlySpan<float> input, Span<float> sum, int threads)
    {
        var c = _config;
        int h = c.HiddenSize, i2 = 2 * c.IntermediateSize;
        var scratch = Scratch(0, 0);
        Product(w, e, second: false, input, 1, w.Mlp1Bias.AsSpan(e * i2, i2), _hidden, threads, scratch);
        SwiGlu(_hidden, _swiglu, (float)c.SwigluLimit, (float)c.SwigluAlpha);
        Product(w, e, second: true, _swiglu, 1, w.Mlp2Bias.AsSpan(e * h, h), _expertOut, threads, scratch);
        for (int k = 0; k < h; k++) sum[k] += _expertOut[k] * weight;
    }

    // The reference's SwiGLU over interleaved rows: gate = even rows clamped above at the limit, linear = odd rows
    // clamped to ±limit, u = gate · σ(α · gate) · (linear + 1).
    // Eight at a time where AVX2 is there (Vector256.Exp is within 2 ulps of MathF.Exp; a NaN stays NaN as in the scalar
    // form): a scalar exp per element was ~5% of a long prompt's experts. Prefill and decode share this, so they agree.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void SwiGlu(ReadOnlySpan<float> hidden, Span<float> u, float limit, float alpha)
    {
        int j = 0;
        if (Avx2.IsSupported)
        {
            var limits = Vector256.Create(limit);
            var alphas = Vector256.Create(-alpha);
            var one = Vector256.Create(1f);
            fixed (float* h = hidden)
            fixed (float* o = u)
            {
                for (; j + 8 <= u.Length; j += 8)
                {
                    // [g0 l0 g1 l1 g2 l2 g3 l3] [g4 l4 ...]: shuffle picks evens/odds per 128-bit half, the permute puts the
                    // halves in order.
                    var a = Vector256.Load(h + 2 * j);
                    var b = Vector256.Load(h + 2 * j + 8);
                    var gates = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
                    var linears = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
                    var gate = Vector256.ConditionalSelect(Vector256.Equals(gates, gates), Vector256.Min(gates, limits), gates);
                    var linear = Vector256.ConditionalSelect(Vector256.Equals(linears, linears),
                        Vector256.Max(Vector256.Min(linears, limits), -limits), linears);
                    var sigmoid = one / (one + Vector256.Exp(gate * alphas));
                    Vector256.Store(gate * sigmoid * (linear + one), o + j);
                }
            }
        }
        for (; j < u.Length; j++)
        {
            float gate = MathF.Min(hidden[2 * j], limit);
            float linear = Math.Clamp(hidden[2 * j + 1], -limit, limit);
            u[j] = gate * (1f / (1f + MathF.Exp(-(gate * alpha)))) * (linear + 1f);
        }
    }

    /// <summary>Reads the layer's expert biases ahead of its first token.</summary>
    public void Prepare(GptOssLayerWeights w) => Biases(w);

    private (float[], float[]) Biases(GptOssLayerWeights w)
    {
        if (!_biases.TryGetValue(w, out var pair))
        {
            pair = (TensorData.ToFloatArray(w.Mlp1Bias), TensorData.ToFloatArray(w.Mlp2Bias));
            _biases[w] = pair;
        }
        return pair;
    }

    // The CPU tensor's own bytes (no copy): the experts' MXFP4 is read where it lies.
    private static ReadOnlySpan<byte> Bytes(Tensor t)
    {
        if (!t.is_contiguous()) throw new InvalidOperationException("MXFP4 expert tensors must be contiguous");
        return t.bytes;
    }
}
