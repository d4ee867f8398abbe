using System.Diagnostics;
using System.Runtime.InteropServices;
using Campfire.Decoding;
using Campfire.Inference.Runtime;
using Campfire.Kernels;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Campfire.Inference.Model;

/// <summary>
/// The gpt-oss forward pass in TorchSharp: RMSNorm in fp32; fused QKV with grouped-query attention; YaRN RoPE with
/// its concentration; sliding-window attention on sliding layers and full causal attention on the others, each with a
/// learned sink logit per head in the softmax denominator (attention in fp32); MoE router top-k with softmax over the
/// selected logits; SwiGLU (clamp, α) over interleaved gate/linear rows with MXFP4 expert weights dequantised only for
/// the experts selected; untied unembedding.
/// </summary>
public sealed class GptOssModel : IDisposable
{
    private readonly YarnRope _rope;
    private readonly ScalarType _dtype;
    private readonly double _scale;

    // Dense bf16 weights widened once, when the activations are wider than the checkpoint: widening at every use cost
    // a fresh vocabulary x hidden tensor per token for the unembedding alone. MXFP4 experts are not in here (they are
    // dequantised per selected expert), nor the embedding (its rows are gathered, then widened), nor the weights the
    // CPU kernels read as stored (see WidenDenseWeightsOnce).
    private readonly Dictionary<Tensor, Tensor> _widened = new(ReferenceEqualityComparer.Instance);

    // The router decides which experts run, so one rounding flip changes a token's whole MLP: its logits, top-k and
    // softmax stay in float32 whatever the activations (the weights are experts x hidden, small).
    private readonly Dictionary<Tensor, Tensor> _routerFloat32 = new(ReferenceEqualityComparer.Instance);

    public GptOssModel(GptOssWeights weights, Device device, ActivationDType dtype)
    {
        Weights = weights;
        Config = weights.Config;
        Device = device;
        ActivationDType = dtype;
        _dtype = dtype == ActivationDType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        _rope = new YarnRope(Config);
        _scale = 1.0 / Math.Sqrt(Config.HeadDim);
        WidenDenseWeightsOnce();
        if (device.type == TorchSharp.DeviceType.CPU && WeightPrefetcher.Enabled)
        {
            // In the order the first prompt needs them: layer by layer (the thread soon runs ahead of the prefill, which
            // spends far longer per layer), then the unembedding, needed last and the largest. Not when the CPU pass
            // reads them with file reads: touching them would only bring them into the process (2.4 GB for
            // gpt-oss-20b) and take a core and memory bandwidth from the first prompt.
            if (!ReadWeightsFromFiles)
            {
                var dense = new List<Tensor>();
                foreach (var layer in Weights.Layers) dense.AddRange([layer.QkvWeight, layer.OutWeight]);
                dense.Add(Weights.Unembedding);
                Prefetcher = new WeightPrefetcher(dense);
            }
            if (UsesCpuDecodeStep)
            {
                CpuPassWarmup.Start();
                // Its per-layer constants (norms, router, biases, sinks widened to fp32) are read now, at load, rather than
                // inside the first prompt.
                CpuPass.Prepare();
            }
        }
    }

    /// <summary>Maps the dense weights' pages in the background on the CPU (null when off, on a GPU or with file reads).</summary>
    internal WeightPrefetcher? Prefetcher { get; }

    /// <summary>Bytes held by dense weights widened at load (0 when the activations use the checkpoint's dtype).</summary>
    public long WidenedWeightBytes => _widened.Values.Sum(t => t.NumberOfElements * t.ElementSize);

    private void WidenDenseWeightsOnce()
    {
        using var noGrad = no_grad();
        // The unembedding is not widened where one position's logits come from the bf16 kernel (all positions at once,
        // which only tests ask for, widen it per call).
        var dense = UnembedsWithKernel ? new List<Tensor>() : new List<Tensor> { Weights.Unembedding };
        foreach (var layer in Weights.Layers)
        {
            // Nor are the attention projections where one-token steps read them as stored (KernelAttention,
            // Bf16MatVec): a prefill widens each layer's for its own products and frees them with the layer (2.5 GB
            // less memory and ~10 s less load for gpt-oss-20b's shapes).
            if (!(Device.type == TorchSharp.DeviceType.CPU && KernelAttention.Supports(layer)))
                dense.AddRange([layer.QkvWeight, layer.OutWeight]);
            dense.AddRange([layer.QkvBias, layer.OutBias, layer.GateWeight, layer.GateBias, layer.Mlp1Bias, layer.Mlp2Bias]);
        }
        foreach (var weight in dense)
        {
            if (weight.dtype != _dtype && !_widened.ContainsKey(weight))
                _widened[weight] = weight.to(_dtype);
        }
        foreach (var layer in Weights.Layers)
        {
            foreach (var router in new[] { layer.GateWeight, layer.GateBias })
            {
                if (router.dtype != ScalarType.Float32)
                    _routerFloat32[router] = _widened.TryGetValue(router, out var widened) && widened.dtype == ScalarType.Float32 ? widened : router.to(ScalarType.Float32);
            }
        }
    }

    private Tensor RouterFloat32(Tensor weight) => _routerFloat32.TryGetValue(weight, out var wide) ? wide : weight;

    public GptOssWeights Weights { get; }
    public GptOssConfig Config { get; }
    public Device Device { get; }
    public ActivationDType ActivationDType { get; }
    public ScalarType ActivationScalarType => _dtype;

    public static GptOssModel Load(string folder, InferenceDevice device, ActivationDType? dtype = null)
    {
        var torchDevice = TorchRuntime.Initialize(device);
        // The CPU pass's code compiles on another core while the checkpoint is mapped. Not before libtorch is loaded:
        // compiling code that touches TorchSharp runs its static constructor, which must find the libraries
        // TorchRuntime.Initialize locates.
        if (device == InferenceDevice.Cpu) CpuPassWarmup.Start();
        using var checkpoint = GptOssCheckpoint.Open(folder);
        var weights = GptOssWeights.Load(checkpoint, torchDevice);
        return new GptOssModel(weights, torchDevice, dtype ?? (device == InferenceDevice.Cuda ? ActivationDType.BFloat16 : ActivationDType.Float32));
    }

    public KvCache CreateCache(int rewindMargin = 0) => new(Config, _dtype, Device, rewindMargin);

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions cache.Length.. and appends their keys and values to the cache.
    /// Returns float32 logits: [T, vocab] when <paramref name="allPositions"/>, else [1, vocab] for the last token; on the
    /// CPU unless <paramref name="keepOnDevice"/> (then on the model's device, e.g. for an argmax there).
    /// </summary>
    public Tensor Forward(ReadOnlySpan<int> tokens, KvCache cache, bool allPositions = false, bool keepOnDevice = false)
    {
        CheckTokens(tokens);
        if (UsesCpuDecodeStep && (tokens.Length == 1 || UseCpuPrefill))
            return CpuPass.Forward(tokens, cache, allPositions);
        var ids = new long[tokens.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = tokens[i];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int t = ids.Length;
        long first = cache.Length;
        var x = Weights.Embedding.index_select(0, tensor(ids, device: Device)).to(_dtype);
        var (cos, sin) = RopeTables(first, t);
        for (int l = 0; l < Config.NumHiddenLayers; l++)
        {
            var w = Weights.Layers[l];
            // A layer's temporaries (dequantised experts above all) are freed when it ends, not when the step does.
            using var layerScope = NewDisposeScope();
            long start = SpanStart();
            x = x + Attention(RmsNorm(x, w.AttentionNorm), w, cache.Layer(l), first, cos, sin);
            start = SpanEnd(DecodeSpan.Attention, start);
            x = x + MixtureOfExperts(RmsNorm(x, w.MlpNorm), w);
            SpanEnd(DecodeSpan.MixtureOfExperts, start);
            x = x.MoveToOuterDisposeScope();
        }
        cache.Advance(t);
        long unembedding = SpanStart();
        x = RmsNorm(x, Weights.FinalNorm);
        if (!allPositions) x = x.narrow(0, t - 1, 1);
        var logits = x.shape[0] == 1 && UnembedsWithKernel ? UnembedOneRow(x) : F.linear(x, Widen(Weights.Unembedding)).to(ScalarType.Float32);
        logits = (keepOnDevice ? logits : logits.cpu()).contiguous();
        SpanEnd(DecodeSpan.Unembedding, unembedding);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> as <see cref="Forward"/> does and writes the last token's float32 logits to
    /// <paramref name="logits"/> (at least vocab long) when the CPU pass runs them (see <see cref="UsesCpuDecodeStep"/>,
    /// <see cref="UsesCpuPrefill"/>) and <paramref name="logits"/> can hold them; false, with nothing run, otherwise. No
    /// tensor is allocated per call.
    /// </summary>
    internal bool TryForwardInto(ReadOnlySpan<int> tokens, KvCache cache, Span<float> logits)
    {
        if (!UsesCpuDecodeStep || (tokens.Length > 1 && !UseCpuPrefill) || logits.Length < Config.VocabSize) return false;
        CheckTokens(tokens);
        CpuPass.ForwardInto(tokens, cache, logits);
        return true;
    }

    private void CheckTokens(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException("at least one token is needed", nameof(tokens));
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)Config.VocabSize)
                throw new InvalidTokenException($"token id {tokens[i]} (at index {i}) is outside this model's vocabulary (0..{Config.VocabSize - 1})");
        }
    }

    /// <summary>
    /// Whether one position's logits come from <see cref="Bf16MatVec"/> over the stored bf16 unembedding (CPU): the same
    /// products as over weights widened to fp32, summed in fp32 in another order, reading half the bytes; and in a
    /// bfloat16 model the logits are no longer rounded to bf16. libtorch's bf16 matrix-vector product read the
    /// unembedding at about half the rate of its fp32 one here, the kernel at about memory speed.
    /// </summary>
    private bool UnembedsWithKernel => Device.type == TorchSharp.DeviceType.CPU && Weights.Unembedding.dtype == ScalarType.BFloat16;

    private Tensor UnembedOneRow(Tensor x)
    {
        using var input = x.to(ScalarType.Float32).contiguous();
        var logits = empty([1, Config.VocabSize], ScalarType.Float32);
        Bf16MatVec.Multiply(MemoryMarshal.Cast<byte, ushort>(Weights.Unembedding.bytes), MemoryMarshal.Cast<byte, float>(input.bytes),
            ReadOnlySpan<float>.Empty, MemoryMarshal.Cast<byte, float>(logits.bytes), Math.Max(1, TorchSharp.torch.get_num_threads()));
        return logits;
    }

    /// <summary>
    /// An attention projection. One token on the CPU with bf16 weights goes through <see cref="Bf16MatVec"/> (fp32
    /// accumulation, the bias added in fp32, then rounded to the activation dtype): libtorch's bf16 matrix-vector product
    /// was the larger part of a bfloat16 step's attention here. Otherwise torch, with the weights widened at load.
    /// </summary>
    private Tensor Linear(Tensor x, Tensor weight, Tensor bias)
    {
        if (x.shape[0] != 1 || Device.type != TorchSharp.DeviceType.CPU || weight.dtype != ScalarType.BFloat16 || !weight.is_contiguous())
            return F.linear(x, Widen(weight), Widen(bias));
        if (!_biasFloat32.TryGetValue(bias, out var bias32))
        {
            bias32 = TensorData.ToFloatArray(bias);
            _biasFloat32[bias] = bias32;
        }
        using var input = x.to(ScalarType.Float32).contiguous();
        var output = empty([1, weight.shape[0]], ScalarType.Float32);
        Bf16MatVec.Multiply(MemoryMarshal.Cast<byte, ushort>(weight.bytes), MemoryMarshal.Cast<byte, float>(input.bytes), bias32,
            MemoryMarshal.Cast<byte, float>(output.bytes), Math.Max(1, TorchSharp.torch.get_num_threads()));
        return output.to(_dtype);
    }

    private readonly Dictionary<Tensor, float[]> _biasFloat32 = new(ReferenceEqualityComparer.Instance);

    /// <summary>Receives the timings of each step's parts while set (<c>--profile</c>, <c>--trace</c>); null costs nothing.</summary>
    public IDecodeSpanSink? Spans { get; set; }

    /// <summary>A span's start timestamp, or 0 when no one is listening.</summary>
    internal long SpanStart()
    {
        if (Spans is null) return 0;
        // CUDA runs asynchronously: without waiting for the queued work, a span would time only its launch.
        if (Device.type == TorchSharp.DeviceType.CUDA) TorchSharp.torch.cuda.synchronize(Device);
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Records a span that began at <paramref name="start"/>; returns the end, for a span that follows directly.</summary>
    internal long SpanEnd(DecodeSpan span, long start)
    {
        if (Spans is not { } sink) return 0;
        long end = SpanStart();
        sink.Record(span, start, end);
        return end;
    }

    private Tensor Widen(Tensor weight) =>
        _widened.TryGetValue(weight, out var widened) ? widened : weight.dtype == _dtype ? weight : weight.to(_dtype);

    private Tensor RmsNorm(Tensor x, Tensor scale)
    {
        var xf = x.to(ScalarType.Float32);
        var y = xf * rsqrt(xf.pow(2).mean([-1L], keepdim: true) + Config.RmsNormEps) * scale;
        return y.to(_dtype);
    }

    private (Tensor Cos, Tensor Sin) RopeTables(long first, int count)
    {
        int half = Config.HeadDim / 2;
        var cos = new float[count * half];
        var sin = new float[count * half];
        _rope.Fill(first, count, cos, sin);
        // [T, 1, half]: broadcast over heads.
        return (tensor(cos, [count, 1, half], device: Device), tensor(sin, [count, 1, half], device: Device));
    }

    private Tensor ApplyRope(Tensor x, Tensor cos, Tensor sin)
    {
        int half = Config.HeadDim / 2;
        var xf = x.to(ScalarType.Float32);
        var x1 = xf.narrow(-1, 0, half);
        var x2 = xf.narrow(-1, half, half);
        return cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1).to(_dtype);
    }

    private Tensor Attention(Tensor t, GptOssLayerWeights w, KvCache.LayerKv layerCache, long first, Tensor cos, Tensor sin)
    {
        var c = Config;
        int n = (int)t.shape[0];
        if (n == 1 && UseKernelAttention && Device.type == TorchSharp.DeviceType.CPU && KernelAttention.Supports(w))
        {
            return Attention().Forward(t, w, layerCache, first, Math.Max(1, TorchSharp.torch.get_num_threads()));
        }
        var qkv = Linear(t, w.QkvWeight, w.QkvBias);
        var q = ApplyRope(qkv.narrow(-1, 0, c.QueryWidth).reshape(n, c.NumAttentionHeads, c.HeadDim), cos, sin);
        var k = ApplyRope(qkv.narrow(-1, c.QueryWidth, c.KeyValueWidth).reshape(n, c.NumKeyValueHeads, c.HeadDim), cos, sin);
        var v = qkv.narrow(-1, c.QueryWidth + c.KeyValueWidth, c.KeyValueWidth).reshape(n, c.NumKeyValueHeads, c.HeadDim);

        var (pastK, pastV, pastPositions) = layerCache.Past();
        var keys = pastK is null ? k : cat([pastK, k], 0);
        var values = pastV is null ? v : cat([pastV!, v], 0);
        int s = (int)keys.shape[0];
        int p = s - n;

        // Mask from absolute positions: causal, plus the window on sliding layers; empty ring slots (-1) never match.
        var mask = new float[n * s];
        bool anyMasked = false;
        for (int i = 0; i < n; i++)
        {
            long qp = first + i;
            for (int j = 0; j < s; j++)
            {
                long kp = j < p ? pastPositions[j] : first + (j - p);
                bool allowed = kp >= 0 && kp <= qp && (!layerCache.Sliding || qp - kp < layerCache.Window);
                if (!allowed)
                {
                    mask[i * s + j] = float.NegativeInfinity;
                    anyMasked = true;
                }
            }
        }

        int groups = c.NumAttentionHeads / c.NumKeyValueHeads;
        var qh = q.to(ScalarType.Float32).permute(1, 0, 2);                                           // [H, T, d]
        var kh = keys.to(ScalarType.Float32).permute(1, 0, 2).repeat_interleave(groups, 0);           // [H, S, d]
        var vh = values.to(ScalarType.Float32).permute(1, 0, 2).repeat_interleave(groups, 0);         // [H, S, d]
        var scores = matmul(qh, kh.transpose(1, 2)) * _scale;                                          // [H, T, S]
        if (anyMasked) scores = scores + tensor(mask, [1, n, s], device: Device);
        // The sink joins each row's softmax denominator and is attached to no value.
        var sink = w.Sinks.reshape(c.NumAttentionHeads, 1, 1).expand(c.NumAttentionHeads, n, 1);
        var weights = softmax(cat([scores, sink], -1), -1).narrow(-1, 0, s);
        var o = matmul(weights, vh).permute(1, 0, 2).reshape(n, c.QueryWidth).to(_dtype);

        layerCache.Append(k, v, first);
        return Linear(o, w.OutWeight, w.OutBias);
    }

    /// <summary>
    /// Whether a one-token step on the CPU runs its attention blocks with <see cref="KernelAttention"/> (the default)
    /// rather than torch operations; <c>CAMPFIRE_KERNEL_ATTENTION=0</c> turns it off, to compare the two in one build.
    /// Prefill and CUDA always take the torch path.
    /// </summary>
    public bool UseKernelAttention { get; set; } = Environment.GetEnvironmentVariable("CAMPFIRE_KERNEL_ATTENTION") != "0";

    private KernelAttention? _kernelAttention;
    private CpuForwardPass? _cpuPass;
    private bool? _cpuPassSupported;

    internal CpuForwardPass CpuPass => _cpuPass ??= new CpuForwardPass(this, Attention(), Experts()) { FileReads = FileProducts() };

    private KernelAttention Attention() => _kernelAttention ??= new KernelAttention(Config, _rope, _dtype) { FileReads = FileProducts() };

    /// <summary>
    /// Whether a one-token step runs as <see cref="CpuForwardPass"/> (no tensor operations): on the CPU with both the
    /// kernel attention and the fused experts on, and the dense weights stored in bf16 (every released checkpoint).
    /// </summary>
    public bool UsesCpuDecodeStep =>
        UseKernelAttention && UseFusedExperts && Device.type == TorchSharp.DeviceType.CPU && (_cpuPassSupported ??= CpuForwardPass.Supports(Weights));

    /// <summary>
    /// Whether a prefill (several tokens) on the CPU runs as <see cref="CpuForwardPass"/> too, where the one-token steps
    /// do (the default): the prompt's tokens share each weight read and every token gets the bits a one-token step
    /// would give it. <c>CAMPFIRE_CPU_PREFILL=0</c> selects the torch prefill, to compare the two in one build.
    /// </summary>
    public bool UseCpuPrefill { get; set; } = Environment.GetEnvironmentVariable("CAMPFIRE_CPU_PREFILL") != "0";

    /// <summary>Whether a prefill runs as <see cref="CpuForwardPass"/> (see <see cref="UseCpuPrefill"/>).</summary>
    public bool UsesCpuPrefill => UseCpuPrefill && UsesCpuDecodeStep;

    private Tensor MixtureOfExperts(Tensor t, GptOssLayerWeights w)
    {
        var c = Config;
        int n = (int)t.shape[0];
        int k = c.ExpertsPerToken;
        // Router and experts are parts of the MoE span (the profile shows them inside it, not next to it).
        long routerStart = SpanStart();
        var gate = F.linear(t.to(ScalarType.Float32), RouterFloat32(w.GateWeight), RouterFloat32(w.GateBias));
        var (topValues, topIndices) = gate.topk(k, dim: -1, largest: true, sorted: true);
        var expertWeights = softmax(topValues, -1).reshape(n * k);
        long[] chosen = topIndices.reshape(n * k).cpu().data<long>().ToArray();
        long expertsStart = SpanEnd(DecodeSpan.Router, routerStart);
        if (n == 1 && UseFusedExperts && Device.type == TorchSharp.DeviceType.CPU)
        {
            var fused = FusedExpertsOneToken(t, w, chosen, expertWeights);
            SpanEnd(DecodeSpan.Experts, expertsStart);
            return fused;
        }

        var output = zeros([n, c.HiddenSize], ScalarType.Float32, Device);
        var tokenList = new List<long>(n);
        var slotList = new List<long>(n);
        bool fusedRows = UseFusedExperts && Device.type == TorchSharp.DeviceType.CPU;
        Tensor? input32 = null;
        float[]? routerWeights = null;
        Span<float> rowWeightBuffer = stackalloc float[FusedPrefillMaxTokens];
        for (int e = 0; e < c.NumExperts; e++)
        {
            tokenList.Clear();
            slotList.Clear();
            for (int slot = 0; slot < chosen.Length; slot++)
            {
                if (chosen[slot] != e) continue;
                tokenList.Add(slot / k);
                slotList.Add(slot);
            }
            if (tokenList.Count == 0) continue;
            if (fusedRows && tokenList.Count <= FusedPrefillMaxTokens)
            {
                input32 ??= t.to(ScalarType.Float32).contiguous();
                routerWeights ??= expertWeights.cpu().data<float>().ToArray();
                var rowWeights = rowWeightBuffer[..tokenList.Count];
                for (int j = 0; j < rowWeights.Length; j++) rowWeights[j] = routerWeights[slotList[j]];
                Experts().AddExpertRows(input32, output, w, e, CollectionsMarshal.AsSpan(tokenList), rowWeights,
                    Math.Max(1, TorchSharp.torch.get_num_threads()));
                continue;
            }
            var tokens = tensor(tokenList.ToArray(), device: Device);
            var slots = tensor(slotList.ToArray(), device: Device);
            var input = t.index_select(0, tokens);
            // Only this expert's MXFP4 weights are widened, and only for this step.
            var w1 = Mxfp4.Dequantize(w.Mlp1Blocks[e], w.Mlp1Scales[e], _dtype);                      // [2I, H]
            var h = F.linear(input, w1, Widen(w.Mlp1Bias)[e]);                                         // [m, 2I]
            var pairs = h.reshape(tokenList.Count, c.IntermediateSize, 2);
            var glu = pairs.select(-1, 0).clamp_max(c.SwigluLimit);                                    // even rows
            var linear = pairs.select(-1, 1).clamp(-c.SwigluLimit, c.SwigluLimit);                     // odd rows
            var u = glu * sigmoid(glu * c.SwigluAlpha) * (linear + 1);
            var w2 = Mxfp4.Dequantize(w.Mlp2Blocks[e], w.Mlp2Scales[e], _dtype);                      // [H, I]
            var y = F.linear(u, w2, Widen(w.Mlp2Bias)[e]).to(ScalarType.Float32);
            output.index_add_(0, tokens, y * expertWeights.index_select(0, slots).unsqueeze(1), 1);
        }
        var result = output.to(_dtype);
        SpanEnd(DecodeSpan.Experts, expertsStart);
        return result;
    }

    /// <summary>
    /// Whether a one-token step on the CPU runs the selected experts with the fused MXFP4 kernel (the default) rather
    /// than dequantising them for torch; <c>CAMPFIRE_FUSED_EXPERTS=0</c> turns it off, to compare the two in one build.
    /// Prefill (several tokens) and CUDA always take the torch path.
    /// </summary>
    public bool UseFusedExperts { get; set; } = Environment.GetEnvironmentVariable("CAMPFIRE_FUSED_EXPERTS") != "0";

    /// <summary>In a prefill on the CPU, an expert chosen by at most this many tokens runs the fused kernel on them (its
    /// MXFP4 rows decoded once per four tokens) instead of being dequantised whole for torch. Dequantising a small
    /// checkpoint's expert (hidden 1024) cost ~40 ms against well under 1 ms per token fused; 64 keeps the torch GEMM for
    /// long prompts, where it reads each dequantised weight once for all of them (the crossover is not measured).</summary>
    internal const int FusedPrefillMaxTokens = 64;

    private FusedExperts? _fusedExperts;
    private CheckpointFileReader? _fileReader;
    private FileMatVec? _fileProducts;
    private bool? _readWeightsFromFiles = Environment.GetEnvironmentVariable("CAMPFIRE_FILE_READS") switch
    {
        "0" => false,
        "1" => true,
        _ => null,
    };

    /// <summary>
    /// Experts' total MXFP4 bytes from which the CPU reads weights with file reads by default. Through the mapping,
    /// gpt-oss-20b's 12 GB of experts read at 3–4.5 GB/s on this project's VMs (page walks over a working set that large
    /// miss the caches) and its dense weights at 3–55 GB/s from one step to the next; file reads made its bf16 step ~2×
    /// faster and steady. A hidden-1024 checkpoint's 107 MB of experts read fast through the mapping once touched, and
    /// copying them out at each step made its experts 2× slower.
    /// </summary>
    internal const long FileReadsFromExpertBytes = 1L << 30;

    /// <summary>
    /// Whether the CPU pass reads weights with file reads, a chunk of rows at a time into a small buffer, rather than
    /// through the checkpoint's mapping (see <see cref="CheckpointFileReader"/>): the MXFP4 experts, the attention
    /// projections and the last token's unembedding (the embedding's rows, and every position's logits when asked for,
    /// still come from the mapping). The same bits either way, and the weights read so stay out of the process's
    /// memory; the dense weights are then not touched in the background either (<see cref="Prefetcher"/>). By
    /// default when the experts are <see cref="FileReadsFromExpertBytes"/> or more; <c>CAMPFIRE_FILE_READS=1</c> or
    /// <c>0</c> decides either way. False on a GPU and for weights not loaded from files.
    /// </summary>
    public bool ReadWeightsFromFiles
    {
        get => (_readWeightsFromFiles ?? ExpertBytes() >= FileReadsFromExpertBytes)
               && Device.type == TorchSharp.DeviceType.CPU && Weights.Layers.All(l => l.ExpertFiles is not null);
        set
        {
            _readWeightsFromFiles = value;
            if (_fusedExperts is not null) _fusedExperts.FileReader = FileReader();
            if (_kernelAttention is not null) _kernelAttention.FileReads = FileProducts();
            if (_cpuPass is not null) _cpuPass.FileReads = FileProducts();
        }
    }

    private long ExpertBytes() =>
        Weights.Layers.Sum(l => l.Mlp1Blocks.NumberOfElements + l.Mlp1Scales.NumberOfElements + l.Mlp2Blocks.NumberOfElements + l.Mlp2Scales.NumberOfElements);

    private FusedExperts Experts() => _fusedExperts ??= new FusedExperts(Config) { FileReader = FileReader() };

    private CheckpointFileReader? FileReader()
    {
        if (!ReadWeightsFromFiles) return null;
        return _fileReader ??= new CheckpointFileReader(Weights.Layers.SelectMany(l =>
            new[] { l.ExpertFiles!.Mlp1Blocks, l.ExpertFiles.Mlp1Scales, l.ExpertFiles.Mlp2Blocks, l.ExpertFiles.Mlp2Scales, l.QkvWeightFile, l.OutWeightFile })
            .Append(Weights.UnembeddingFile).OfType<TensorFileRegion>());
    }

    private FileMatVec? FileProducts() => FileReader() is { } reader ? _fileProducts ??= new FileMatVec(reader) : null;

    // The kernel splits rows over as many threads as libtorch uses (the CLI's --threads sets both).
    private Tensor FusedExpertsOneToken(Tensor t, GptOssLayerWeights w, long[] chosen, Tensor expertWeights)
    {
        float[] weights = expertWeights.cpu().data<float>().ToArray();
        return Experts().Forward(t, w, chosen, weights, Math.Max(1, TorchSharp.torch.get_num_threads())).to(_dtype);
    }

    public void Dispose()
    {
        // Before the mapping goes: the prefetcher reads it.
        Prefetcher?.Dispose();
        _fileReader?.Dispose();
        var owned = new HashSet<Tensor>(_widened.Values, ReferenceEqualityComparer.Instance);
        owned.UnionWith(_routerFloat32.Values);
        foreach (var widened in owned)
            widened.Dispose();
        _widened.Clear();
        _routerFloat32.Clear();
        Weights.Dispose();
    }
}
