using System.Runtime.InteropServices;
using Campfire.Decoding;
using Campfire.Kernels;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// One decode step (one token) on the CPU with no tensor operation: the embedding row, RMSNorms, residual sums and
/// the router in C#, attention through <see cref="KernelAttention"/>, experts through <see cref="FusedExperts"/>, the
/// unembedding through <see cref="Bf16MatVec"/>, all reading the stored weights in place. Every libtorch call costs a
/// few microseconds however small its tensors (~50 per layer in the torch formulation), which was most of a small
/// model's step; what remains is the weights' memory traffic.
/// </summary>
/// <remarks>
/// Numerics follow <see cref="GptOssModel"/>'s torch path: norms, router (logits, top-k, softmax over the chosen) and
/// attention in fp32; in a bfloat16 model the residual stream and each block's output are rounded to bf16 where the
/// torch path's tensors are bf16. Only the order of fp32 sums differs (norms here sum squares in float64). Not
/// thread-safe: one per model.
/// </remarks>
internal sealed class CpuDecodeStep
{
    private readonly GptOssModel _model;
    private readonly GptOssConfig _config;
    private readonly bool _bf16;
    private readonly KernelAttention _attention;
    private readonly FusedExperts _experts;
    private readonly float[] _x, _normed, _block, _routerLogits, _expertWeights;
    private readonly long[] _chosen;
    private readonly Dictionary<GptOssLayerWeights, LayerConstants> _layers = new(ReferenceEqualityComparer.Instance);
    private readonly float[] _finalNorm;

    private sealed record LayerConstants(float[] AttentionNorm, float[] MlpNorm, float[] GateWeight, float[] GateBias);

    public CpuDecodeStep(GptOssModel model, KernelAttention attention, FusedExperts experts)
    {
        _model = model;
        _config = model.Config;
        _bf16 = model.ActivationScalarType == ScalarType.BFloat16;
        _attention = attention;
        _experts = experts;
        int h = _config.HiddenSize;
        _x = new float[h];
        _normed = new float[h];
        _block = new float[h];
        _routerLogits = new float[_config.NumExperts];
        _expertWeights = new float[_config.ExpertsPerToken];
        _chosen = new long[_config.ExpertsPerToken];
        _finalNorm = TensorData.ToFloatArray(model.Weights.FinalNorm);
    }

    /// <summary>Whether every weight this step reads is where and how it reads it (CPU, bf16 dense, contiguous).</summary>
    public static bool Supports(GptOssWeights weights)
    {
        if (weights.Embedding.device_type != TorchSharp.DeviceType.CPU || !weights.Embedding.is_contiguous()) return false;
        if (weights.Embedding.dtype is not (ScalarType.BFloat16 or ScalarType.Float32)) return false;
        if (weights.Unembedding.dtype != ScalarType.BFloat16 || !weights.Unembedding.is_contiguous()) return false;
        return weights.Layers.All(KernelAttention.Supports);
    }

    /// <summary>Runs <paramref name="token"/> at position cache.Length, appends its keys and values, returns fp32 logits [1, vocab].</summary>
    public Tensor Forward(int token, KvCache cache)
    {
        var c = _config;
        int threads = Math.Max(1, get_num_threads());
        long position = cache.Length;
        ReadEmbedding(token);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            var w = _model.Weights.Layers[l];
            var constants = Constants(w);
            long start = _model.SpanStart();
            RmsNorm(_x, constants.AttentionNorm, _normed);
            _attention.Forward(_normed, w, cache.Layer(l), position, threads, _block);
            AddToResidual(_block);
            start = _model.SpanEnd(DecodeSpan.Attention, start);

            RmsNorm(_x, constants.MlpNorm, _normed);
            long routerStart = _model.SpanStart();
            Route(constants);
            long expertsStart = _model.SpanEnd(DecodeSpan.Router, routerStart);
            _experts.Forward(_normed, w, _chosen, _expertWeights, threads, _block);
            RoundToActivations(_block);
            AddToResidual(_block);
            _model.SpanEnd(DecodeSpan.Experts, expertsStart);
            _model.SpanEnd(DecodeSpan.MixtureOfExperts, start);
        }
        cache.Advance(1);

        long unembedding = _model.SpanStart();
        RmsNorm(_x, _finalNorm, _normed);
        var logits = empty([1, c.VocabSize], ScalarType.Float32);
        Bf16MatVec.Multiply(MemoryMarshal.Cast<byte, ushort>(_model.Weights.Unembedding.bytes), _normed, ReadOnlySpan<float>.Empty,
            MemoryMarshal.Cast<byte, float>(logits.bytes), threads);
        _model.SpanEnd(DecodeSpan.Unembedding, unembedding);
        return logits;
    }

    private void ReadEmbedding(int token)
    {
        int h = _config.HiddenSize;
        var table = _model.Weights.Embedding;
        if (table.dtype == ScalarType.BFloat16)
        {
            Bf16.Widen(MemoryMarshal.Cast<byte, ushort>(table.bytes).Slice(token * h, h), _x);
        }
        else
        {
            MemoryMarshal.Cast<byte, float>(table.bytes).Slice(token * h, h).CopyTo(_x);
            RoundToActivations(_x);
        }
    }

    // y = x · rsqrt(mean(x²) + eps) · scale, rounded to the activation dtype as the torch path's RmsNorm output is.
    private void RmsNorm(ReadOnlySpan<float> x, float[] scale, Span<float> y)
    {
        double squares = 0;
        foreach (float v in x) squares += (double)v * v;
        float inverse = 1f / MathF.Sqrt((float)(squares / x.Length) + (float)_config.RmsNormEps);
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * inverse * scale[i];
        RoundToActivations(y);
    }

    // Router logits in fp32, the top k (highest first; the lower index wins a tie), softmax over the chosen logits.
    private void Route(LayerConstants constants)
    {
        int h = _config.HiddenSize, experts = _config.NumExperts, k = _config.ExpertsPerToken;
        var gate = constants.GateWeight.AsSpan();
        for (int e = 0; e < experts; e++)
        {
            float sum = 0;
            var row = gate.Slice(e * h, h);
            for (int i = 0; i < h; i++) sum += row[i] * _normed[i];
            _routerLogits[e] = sum + constants.GateBias[e];
        }
        for (int slot = 0; slot < k; slot++)
        {
            int best = -1;
            for (int e = 0; e < experts; e++)
            {
                if (_chosen.AsSpan(0, slot).Contains(e)) continue;
                if (best < 0 || _routerLogits[e] > _routerLogits[best]) best = e;
            }
            _chosen[slot] = best;
            _expertWeights[slot] = _routerLogits[best];
        }
        float max = _expertWeights[0], total = 0;
        for (int slot = 0; slot < k; slot++)
        {
            _expertWeights[slot] = MathF.Exp(_expertWeights[slot] - max);
            total += _expertWeights[slot];
        }
        for (int slot = 0; slot < k; slot++) _expertWeights[slot] /= total;
    }

    private void AddToResidual(ReadOnlySpan<float> block)
    {
        for (int i = 0; i < _x.Length; i++) _x[i] += block[i];
        RoundToActivations(_x);
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
