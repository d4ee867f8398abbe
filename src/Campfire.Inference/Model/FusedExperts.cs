using System.Runtime.InteropServices;
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
    }

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

        var experts = new ExpertBytes(this, w);
        foreach (int slot in order)
            AddExpert(experts, (int)chosen[slot], weights[slot], input, sum, threads);
    }

    /// <summary>
    /// Adds expert <paramref name="expert"/>'s output for some prompt tokens to their rows of <paramref name="output"/>
    /// (fp32 [n, H], contiguous, on the CPU): token <c>tokens[j]</c> with router weight <c>weights[j]</c>, read from
    /// <paramref name="input"/> (fp32 [n, H], contiguous). Used by prefill: the kernel decodes each MXFP4 row once for
    /// every four tokens (<see cref="Mxfp4MatVec.MultiplyMany"/>), and each token gets the bits a one-token call gives.
    /// </summary>
    public void AddExpertRows(Tensor input, Tensor output, GptOssLayerWeights w, int expert, ReadOnlySpan<long> tokens,
        ReadOnlySpan<float> weights, int threads)
    {
        var c = _config;
        int h = c.HiddenSize, i2 = 2 * c.IntermediateSize, m = tokens.Length;
        var rowsIn = MemoryMarshal.Cast<byte, float>(input.bytes);
        var rowsOut = MemoryMarshal.Cast<byte, float>(output.bytes);
        var experts = new ExpertBytes(this, w);
        Grow(ref _manyInput, m * h);
        Grow(ref _manyHidden, m * i2);
        Grow(ref _manySwiglu, m * c.IntermediateSize);
        Grow(ref _manyOut, m * h);
        for (int j = 0; j < m; j++)
            rowsIn.Slice((int)tokens[j] * h, h).CopyTo(_manyInput.AsSpan(j * h, h));

        int blocks1PerExpert = i2 * (h / 32) * 16, scales1PerExpert = i2 * (h / 32);
        int blocks2PerExpert = h * (c.IntermediateSize / 32) * 16, scales2PerExpert = h * (c.IntermediateSize / 32);
        Mxfp4MatVec.MultiplyMany(experts.Blocks1.Slice(expert * blocks1PerExpert, blocks1PerExpert),
            experts.Scales1.Slice(expert * scales1PerExpert, scales1PerExpert), _manyInput.AsSpan(0, m * h), h,
            experts.Biases.Mlp1.AsSpan(expert * i2, i2), _manyHidden.AsSpan(0, m * i2), threads);
        for (int j = 0; j < m; j++)
            SwiGlu(_manyHidden.AsSpan(j * i2, i2), _manySwiglu.AsSpan(j * c.IntermediateSize, c.IntermediateSize), (float)c.SwigluLimit, (float)c.SwigluAlpha);
        Mxfp4MatVec.MultiplyMany(experts.Blocks2.Slice(expert * blocks2PerExpert, blocks2PerExpert),
            experts.Scales2.Slice(expert * scales2PerExpert, scales2PerExpert), _manySwiglu.AsSpan(0, m * c.IntermediateSize), c.IntermediateSize,
            experts.Biases.Mlp2.AsSpan(expert * h, h), _manyOut.AsSpan(0, m * h), threads);
        for (int j = 0; j < m; j++)
        {
            var sum = rowsOut.Slice((int)tokens[j] * h, h);
            var y = _manyOut.AsSpan(j * h, h);
            float weight = weights[j];
            for (int k = 0; k < h; k++) sum[k] += y[k] * weight;
        }
    }

    // Prefill's buffers, [tokens, width], grown to the most tokens an expert has had.
    private float[] _manyInput = [], _manyHidden = [], _manySwiglu = [], _manyOut = [];

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }

    /// <summary>A layer's expert bytes and biases, looked up once per call rather than once per expert product.</summary>
    private readonly ref struct ExpertBytes(FusedExperts owner, GptOssLayerWeights w)
    {
        public readonly ReadOnlySpan<byte> Blocks1 = Bytes(w.Mlp1Blocks), Scales1 = Bytes(w.Mlp1Scales);
        public readonly ReadOnlySpan<byte> Blocks2 = Bytes(w.Mlp2Blocks), Scales2 = Bytes(w.Mlp2Scales);
        public readonly (float[] Mlp1, float[] Mlp2) Biases = owner.Biases(w);
    }

    private void AddExpert(in ExpertBytes w, int e, float weight, ReadOnlySpan<float> input, Span<float> sum, int threads)
    {
        var c = _config;
        int h = c.HiddenSize, i2 = 2 * c.IntermediateSize;
        int blocks1PerExpert = i2 * (h / 32) * 16, scales1PerExpert = i2 * (h / 32);
        int blocks2PerExpert = h * (c.IntermediateSize / 32) * 16, scales2PerExpert = h * (c.IntermediateSize / 32);
        Mxfp4MatVec.Multiply(w.Blocks1.Slice(e * blocks1PerExpert, blocks1PerExpert),
            w.Scales1.Slice(e * scales1PerExpert, scales1PerExpert), input, w.Biases.Mlp1.AsSpan(e * i2, i2), _hidden, threads);
        SwiGlu(_hidden, _swiglu, (float)c.SwigluLimit, (float)c.SwigluAlpha);
        Mxfp4MatVec.Multiply(w.Blocks2.Slice(e * blocks2PerExpert, blocks2PerExpert),
            w.Scales2.Slice(e * scales2PerExpert, scales2PerExpert), _swiglu, w.Biases.Mlp2.AsSpan(e * h, h), _expertOut, threads);
        for (int k = 0; k < h; k++) sum[k] += _expertOut[k] * weight;
    }

    // The reference's SwiGLU over interleaved rows: gate = even rows clamped above at the limit, linear = odd rows
    // clamped to ±limit, u = gate · σ(α · gate) · (linear + 1).
    private static void SwiGlu(ReadOnlySpan<float> hidden, Span<float> u, float limit, float alpha)
    {
        for (int j = 0; j < u.Length; j++)
        {
            float gate = MathF.Min(hidden[2 * j], limit);
            float linear = Math.Clamp(hidden[2 * j + 1], -limit, limit);
            u[j] = gate * (1f / (1f + MathF.Exp(-(gate * alpha)))) * (linear + 1f);
        }
    }

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
