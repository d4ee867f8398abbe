using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Campfire.Decoding;
using Campfire.Kernels;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// The forward pass on the CPU with no tensor operation, for one token (a decode step) or many (a prefill): the
/// embedding rows, RMSNorms, residual sums and the router in C#, attention through <see cref="KernelAttention"/>,
/// experts through <see cref="FusedExperts"/>, the unembedding through <see cref="Bf16MatVec"/>, all reading the stored
/// weights in place. Every libtorch call costs a few microseconds however small its tensors (~50 per layer in the torch
/// formulation), which was most of a small model's step; a prefill in torch also paid libtorch's first calls and
/// dense bf16 products well below the kernels' speed. What remains is the weights' memory traffic.
/// </summary>
/// <remarks>
/// Numerics follow <see cref="GptOssModel"/>'s torch path: norms, router (logits, top-k, softmax over the chosen) and
/// attention in fp32; in a bfloat16 model the residual stream and each block's output are rounded to bf16 where the
/// torch path's tensors are bf16. Only the order of fp32 sums differs (norms here sum squares in float64). A prefill
/// gives every token the bits that stepping it alone would (the kernels' many-token calls sum each token as their
/// one-token calls do), so prefill and decode cannot drift apart. Not thread-safe: one per model.
/// </remarks>
internal sealed class CpuForwardPass
{
    private readonly GptOssModel _model;
    private readonly GptOssConfig _config;
    private readonly bool _bf16;
    private readonly KernelAttention _attention;
    private readonly FusedExperts _experts;
    private float[] _x = [], _normed = [], _block = [], _expertWeights = [];
    private long[] _chosen = [];
    private readonly float[] _routerLogits;
    private readonly Dictionary<GptOssLayerWeights, LayerConstants> _layers = new(ReferenceEqualityComparer.Instance);
    private readonly float[] _finalNorm;

    private sealed record LayerConstants(float[] AttentionNorm, float[] MlpNorm, float[] GateWeight, float[] GateBias);

    public CpuForwardPass(GptOssModel model, KernelAttention attention, FusedExperts experts)
    {
        _model = model;
        _config = model.Config;
        _bf16 = model.ActivationScalarType == ScalarType.BFloat16;
        _attention = attention;
        _experts = experts;
        _routerLogits = new float[_config.NumExperts];
        _finalNorm = TensorData.ToFloatArray(model.Weights.FinalNorm);
        EnsureTokens(1);
    }

    /// <summary>
    /// Tokens a prefill runs through all layers at a time: each weight is read once per chunk, and the buffers stay
    /// bounded by it (gpt-oss-20b: ~30 MB at 256) whatever the prompt's length.
    /// </summary>
    internal int ChunkTokens { get; set; } = 256;

    internal FusedExperts Experts => _experts;

    internal KernelAttention Attention => _attention;

    /// <summary>Reads the last token's unembedding from the checkpoint file (see <see cref="FileMatVec"/>); null: from the mapping.</summary>
    internal FileMatVec? FileReads { get; set; }

    /// <summary>Reads every layer's small fp32 constants ahead of the first prompt.</summary>
    public void Prepare()
    {
        foreach (var w in _model.Weights.Layers)
        {
            Constants(w);
            _attention.Prepare(w);
            _experts.Prepare(w);
        }
    }

    /// <summary>Whether every weight this pass reads is where and how it reads it (CPU, bf16 dense, contiguous).</summary>
    public static bool Supports(GptOssWeights weights)
    {
        if (weights.Embedding.device_type != TorchSharp.DeviceType.CPU || !weights.Embedding.is_contiguous()) return false;
        if (weights.Embedding.dtype is not (ScalarType.BFloat16 or ScalarType.Float32)) return false;
        if (weights.Unembedding.dtype != ScalarType.BFloat16 || !weights.Unembedding.is_contiguous()) return false;
        return weights.Layers.All(KernelAttention.Supports);
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions cache.Length.., appending their keys and values; returns fp32 logits
    /// [T, vocab] when <paramref name="allPositions"/>, else [1, vocab] for the last token.
    /// </summary>
    public Tensor Forward(ReadOnlySpan<int> tokens, KvCache cache, bool allPositions)
    {
        var logits = empty([allPositions ? tokens.Length : 1, _config.VocabSize], ScalarType.Float32);
        Forward(tokens, cache, allPositions, MemoryMarshal.Cast<byte, float>(logits.bytes));
        return logits;
    }

    /// <summary>
    /// As <see cref="Forward(ReadOnlySpan{int}, KvCache, bool)"/>, the last token's logits written to
    /// <paramref name="logits"/> (vocab values): a decode loop passes the same buffer every step. A fresh logits tensor
    /// per step cost 2–4 ms for each of the first steps of a process here (its 800 KB came from pages the VM had not
    /// backed yet), longer than a tiny model's whole step.
    /// </summary>
    public void ForwardInto(ReadOnlySpan<int> tokens, KvCache cache, Span<float> logits) =>
        Forward(tokens, cache, allPositions: false, logits[.._config.VocabSize]);

    private void Forward(ReadOnlySpan<int> tokens, KvCache cache, bool allPositions, Span<float> logitRows)
    {
        var c = _config;
        int threads = Math.Max(1, get_num_threads());
        var unembedding = MemoryMarshal.Cast<byte, ushort>(_model.Weights.Unembedding.bytes);
        for (int done = 0; done < tokens.Length;)
        {
            int count = Math.Min(ChunkTokens, tokens.Length - done);
            var chunk = tokens.Slice(done, count);
            Layers(chunk, cache, threads);
            done += count;

            int h = c.HiddenSize;
            long start = _model.SpanStart();
            if (allPositions)
            {
                for (int t = 0; t < count; t++) RmsNorm(_x.AsSpan(t * h, h), _finalNorm, _normed.AsSpan(t * h, h));
                Bf16MatVec.MultiplyMany(unembedding, _normed.AsSpan(0, count * h), h, ReadOnlySpan<float>.Empty,
                    logitRows.Slice((done - count) * c.VocabSize, count * c.VocabSize), threads);
                _model.SpanEnd(DecodeSpan.Unembedding, start);
            }
            else if (done == tokens.Length)
            {
                RmsNorm(_x.AsSpan((count - 1) * h, h), _finalNorm, _normed.AsSpan(0, h));
                if (FileReads is { } file && _model.Weights.UnembeddingFile is { } region)
                    file.Multiply(region, _normed.AsSpan(0, h), ReadOnlySpan<float>.Empty, logitRows[..c.VocabSize], threads);
                else Bf16MatVec.Multiply(unembedding, _normed.AsSpan(0, h), ReadOnlySpan<float>.Empty, logitRows, threads);
                _model.SpanEnd(DecodeSpan.Unembedding, start);
            }
        }
    }

    // The chunk's tokens through every layer; _x holds their residual stream [count, H] after.
    private void Layers(ReadOnlySpan<int> tokens, KvCache cache, int threads)
    {
        var c = _config;
        int count = tokens.Length, h = c.HiddenSize, k = c.ExpertsPerToken;
        long first = cache.Length;
        EnsureTokens(count);
        for (int t = 0; t < count; t++) ReadEmbedding(tokens[t], _x.AsSpan(t * h, h));
        var x = _x.AsSpan(0, count * h);
        var normed = _normed.AsSpan(0, count * h);
        var block = _block.AsSpan(0, count * h);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var w = _model.Weights.Layers[l];
            var constants = Constants(w);
            long start = _model.SpanStart();
            for (int t = 0; t < count; t++) RmsNorm(x.Slice(t * h, h), constants.AttentionNorm, normed.Slice(t * h, h));
            _attention.Forward(normed, count, w, cache.Layer(l), first, threads, block);
            AddToResidual(x, block);
            start = _model.SpanEnd(DecodeSpan.Attention, start);

            long routerStart = _model.SpanStart();
            for (int t = 0; t < count; t++)
            {
                RmsNorm(x.Slice(t * h, h), constants.MlpNorm, normed.Slice(t * h, h));
                Route(constants, normed.Slice(t * h, h), _chosen.AsSpan(t * k, k), _expertWeights.AsSpan(t * k, k));
            }
            long expertsStart = _model.SpanEnd(DecodeSpan.Router, routerStart);
            // One token on one thread: the one-token path. Otherwise by expert, so that with several threads each takes
            // whole experts (a decode step's four experts per layer made ~200 row-split fork/joins per token).
            if (count == 1 && threads == 1) _experts.Forward(normed, w, _chosen.AsSpan(0, k), _expertWeights.AsSpan(0, k), threads, block);
            else _experts.ForwardMany(normed, count, w, _chosen.AsSpan(0, count * k), _expertWeights.AsSpan(0, count * k), threads, block,
                l + 1 < c.NumHiddenLayers && PicksNearlyEveryExpert(count) ? _model.Weights.Layers[l + 1] : null);
            RoundToActivations(block);
            AddToResidual(x, block);
            _model.SpanEnd(DecodeSpan.Experts, expertsStart);
            _model.SpanEnd(DecodeSpan.MixtureOfExperts, start);
        }
        cache.Advance(count);
    }

    // With n tokens picking k of E experts each, an expert goes unpicked with probability about (1 − k/E)^n ≈ e^(−n·k/E):
    // under 5% from n·k ≥ 3E. Only then are a layer's experts touched before its router has run.
    private bool PicksNearlyEveryExpert(int count) => (long)count * _config.ExpertsPerToken >= 3L * _config.NumExperts;

    private void EnsureTokens(int count)
    {
        int h = _config.HiddenSize, k = _config.ExpertsPerToken;
        if (_x.Length >= count * h) return;
        _x = new float[count * h];
        _normed = new float[count * h];
        _block = new float[count * h];
        _expertWeights = new float[count * k];
        _chosen = new long[count * k];
    }

    private void ReadEmbedding(int token, Span<float> row)
    {
        int h = _config.HiddenSize;
        var table = _model.Weights.Embedding;
        if (table.dtype == ScalarType.BFloat16)
        {
            Bf16.Widen(MemoryMarshal.Cast<byte, ushort>(table.bytes).Slice(token * h, h), row);
        }
        else
        {
            MemoryMarshal.Cast<byte, float>(table.bytes).Slice(token * h, h).CopyTo(row);
            RoundToActivations(row);
        }
    }

    // y = x · rsqrt(mean(x²) + eps) · scale, rounded to the activation dtype as the torch path's RmsNorm output is.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RmsNorm(ReadOnlySpan<float> x, float[] scale, Span<float> y)
    {
        double squares = 0;
        foreach (float v in x) squares += (double)v * v;
        float inverse = 1f / MathF.Sqrt((float)(squares / x.Length) + (float)_config.RmsNormEps);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * inverse * scale[i];
        RoundToActivations(y);
    }

    // Router logits in fp32, the top k (highest first; the lower index wins a tie), softmax over the chosen logits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Route(LayerConstants constants, ReadOnlySpan<float> normed, Span<long> chosen, Span<float> expertWeights)
    {
        int h = _config.HiddenSize, experts = _config.NumExperts, k = _config.ExpertsPerToken;
        var gate = constants.GateWeight.AsSpan();
        for (int e = 0; e < experts; e++)
        {
            float sum = 0;
            var row = gate.Slice(e * h, h);
            for (int i = 0; i < h; i++) sum += row[i] * normed[i];
            _routerLogits[e] = sum + constants.GateBias[e];
        }
        for (int slot = 0; slot < k; slot++)
        {
            int best = -1;
            for (int e = 0; e < experts; e++)
            {
                if (Taken(chosen[..slot], e)) continue;
                if (best < 0 || _routerLogits[e] > _routerLogits[best]) best = e;
            }
            chosen[slot] = best;
            expertWeights[slot] = _routerLogits[best];
        }
        float max = expertWeights[0], total = 0;
        for (int slot = 0; slot < k; slot++)
        {
            expertWeights[slot] = MathF.Exp(expertWeights[slot] - max);
            total += expertWeights[slot];
        }
        for (int slot = 0; slot < k; slot++) expertWeights[slot] /= total;
    }

    // A plain loop over at most k − 1 ids: MemoryExtensions.Contains is a generic the warm-up cannot compile ahead.
    private static bool Taken(ReadOnlySpan<long> chosen, int expert)
    {
        foreach (long id in chosen) if (id == expert) return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddToResidual(Span<float> x, ReadOnlySpan<float> block)
    {
        for (int i = 0; i < x.Length; i++) x[i] += block[i];
        RoundToActivations(x);
    }

    private void RoundToActivations(Span<float> values)
    {
        if (_bf16) Bf16.RoundInPlace(values);
    }

    private LayerConstants Constants(GptOssLayerWeights w)
    {
        if (!_layers.TryGetValue(w, out var constants))
        {
            constants = new LayerConstants(TensorData.ToFloatArray(w.AttentionNorm), TensorData.ToFloatArray(w.MlpNorm), TensorData.ToFloatArray(w.GateWeight), TensorData.ToFloatArray(w.GateBias));
            _layers[w] = constants;
        }
        return constants;
    }
}
