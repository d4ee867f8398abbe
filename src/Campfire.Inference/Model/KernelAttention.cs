using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Campfire.Kernels;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// One token's attention block on the CPU without tensor operations: QKV projection (<see cref="Bf16MatVec"/> over the
/// stored bf16 weights), RoPE, the key and value written into the cache's storage, <see cref="SingleQueryAttention"/>
/// over the attended slots, output projection. The torch formulation issues ~25 small operations per layer (RoPE,
/// concatenations, a mask, repeat of the kv heads, two matmuls, softmax), whose fixed cost was most of a small model's
/// step; this computes the same values.
/// </summary>
/// <remarks>
/// In a bfloat16 model every value the torch path rounds to bf16 (the projections' outputs, q and k after RoPE, the
/// attention output) is rounded here too, so only the order of fp32 sums differs. Not thread-safe: one per model.
/// </remarks>
internal sealed class KernelAttention
{
    private readonly GptOssConfig _config;
    private readonly YarnRope _rope;
    private readonly bool _bf16;
    private readonly float _scale;
    private readonly float[] _input, _projected;
    private float[] _qkv, _attention, _cos, _sin;   // [tokens, width], grown to the longest prefill chunk
    private int[] _slots = [];
    private readonly Dictionary<GptOssLayerWeights, (float[] QkvBias, float[] OutBias, float[] Sinks, Tensor SinksTensor)> _constants = new(ReferenceEqualityComparer.Instance);

    public KernelAttention(GptOssConfig config, YarnRope rope, ScalarType dtype)
    {
        _config = config;
        _rope = rope;
        _bf16 = dtype == ScalarType.BFloat16;
        _scale = (float)(1.0 / Math.Sqrt(config.HeadDim));
        _input = new float[config.HiddenSize];
        _qkv = new float[config.QueryWidth + 2 * config.KeyValueWidth];
        _attention = new float[config.QueryWidth];
        _projected = new float[config.HiddenSize];
        _cos = new float[config.HeadDim / 2];
        _sin = new float[config.HeadDim / 2];
    }

    /// <summary>Reads the projections from the checkpoint file (see <see cref="FileMatVec"/>); null: from the mapping.</summary>
    internal FileMatVec? FileReads { get; set; }

    /// <summary>Whether a layer's projections can be read by the kernel: stored bf16, contiguous, on the CPU.</summary>
    public static bool Supports(GptOssLayerWeights w) =>
        w.QkvWeight.dtype == ScalarType.BFloat16 && w.OutWeight.dtype == ScalarType.BFloat16 && w.QkvWeight.is_contiguous() &&
        w.OutWeight.is_contiguous() && w.QkvWeight.device_type == TorchSharp.DeviceType.CPU;

    /// <summary>The attention block's output [1, H] in the activation dtype for the normed token <paramref name="t"/> [1, H] at <paramref name="position"/>.</summary>
    public Tensor Forward(Tensor t, GptOssLayerWeights w, KvCache.LayerKv cache, long position, int threads)
    {
        ReadRow(t, _input);
        Forward(_input, w, cache, position, threads, _projected);
        var result = empty([1, _config.HiddenSize], _bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
        if (_bf16)
        {
            Bf16.Narrow(_projected, MemoryMarshal.Cast<byte, ushort>(result.bytes));
        }
        else
        {
            _projected.AsSpan().CopyTo(MemoryMarshal.Cast<byte, float>(result.bytes));
        }
        return result;
    }

    /// <summary>
    /// The attention block's output (fp32, rounded to bf16 in a bf16 model) for the normed token
    /// <paramref name="normed"/> (H values) at <paramref name="position"/>, written to <paramref name="output"/> (H).
    /// </summary>
    public void Forward(ReadOnlySpan<float> normed, GptOssLayerWeights w, KvCache.LayerKv cache, long position, int threads, Span<float> output) =>
        Forward(normed, 1, w, cache, position, threads, output);

    /// <summary>
    /// The attention block for <paramref name="count"/> consecutive tokens from <paramref name="firstPosition"/> on
    /// (a prefill): <paramref name="normed"/> [count, H] in, <paramref name="output"/> [count, H] out. The projections
    /// read each weight row once for several tokens (<see cref="Bf16MatVec.MultiplyMany"/>); each token then appends its
    /// key and value and attends exactly as a one-token step at its position does, so a prefill and the same tokens
    /// stepped one by one give the same bits.
    /// </summary>
    public void Forward(ReadOnlySpan<float> normed, int count, GptOssLayerWeights w, KvCache.LayerKv cache, long firstPosition, int threads, Span<float> output)
    {
        var c = _config;
        int h = c.HiddenSize, width = c.QueryWidth + 2 * c.KeyValueWidth, half = c.HeadDim / 2;
        var (qkvBias, outBias, sinks) = Constants(w);
        Grow(ref _qkv, count * width);
        Grow(ref _attention, count * c.QueryWidth);
        Grow(ref _cos, count * half);
        Grow(ref _sin, count * half);
        var qkvAll = _qkv.AsSpan(0, count * width);
        Project(w.QkvWeight, w.QkvWeightFile, normed[..(count * h)], h, qkvBias, qkvAll, threads);
        RoundToActivations(qkvAll);
        _rope.Fill(firstPosition, count, _cos, _sin);

        for (int t = 0; t < count; t++)
        {
            long position = firstPosition + t;
            var qkv = qkvAll.Slice(t * width, width);
            var q = qkv[..c.QueryWidth];
            var k = qkv.Slice(c.QueryWidth, c.KeyValueWidth);
            var v = qkv.Slice(c.QueryWidth + c.KeyValueWidth, c.KeyValueWidth);
            var cos = _cos.AsSpan(t * half, half);
            var sin = _sin.AsSpan(t * half, half);
            Rotate(q, cos, sin);
            Rotate(k, cos, sin);
            cache.AppendOne(k, v, position);

            if (_slots.Length < cache.SlotCapacity) _slots = new int[Math.Max(cache.SlotCapacity, 2 * _slots.Length)];
            int attended = cache.AttendedSlots(position, _slots);
            var attention = _attention.AsSpan(t * c.QueryWidth, c.QueryWidth);
            if (_bf16)
            {
                SingleQueryAttention.ComputeBf16(q, MemoryMarshal.Cast<byte, ushort>(cache.KeyBytes), MemoryMarshal.Cast<byte, ushort>(cache.ValueBytes),
                    _slots.AsSpan(0, attended), sinks, c.NumKeyValueHeads, _scale, attention, threads);
            }
            else
            {
                SingleQueryAttention.ComputeFloat32(q, MemoryMarshal.Cast<byte, float>(cache.KeyBytes), MemoryMarshal.Cast<byte, float>(cache.ValueBytes),
                    _slots.AsSpan(0, attended), sinks, c.NumKeyValueHeads, _scale, attention, threads);
            }
            RoundToActivations(attention);
        }

        var result = output[..(count * h)];
        Project(w.OutWeight, w.OutWeightFile, _attention.AsSpan(0, count * c.QueryWidth), c.QueryWidth, outBias, result, threads);
        RoundToActivations(result);
    }

    // A projection's weights from the checkpoint file when the model reads them so (and knows where they lie), else from
    // the mapping: the same bits either way.
    private void Project(Tensor weight, TensorFileRegion? region, ReadOnlySpan<float> inputs, int columns, ReadOnlySpan<float> bias,
        Span<float> outputs, int threads)
    {
        if (FileReads is { } file && region is { } place) file.MultiplyMany(place, inputs, columns, bias, outputs, threads);
        else Bf16MatVec.MultiplyMany(MemoryMarshal.Cast<byte, ushort>(weight.bytes), inputs, columns, bias, outputs, threads);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }

    // YaRN RoPE on each head of q or k: (x1, x2) → (x1·cos − x2·sin, x2·cos + x1·sin) in fp32, as the torch path.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rotate(Span<float> heads, ReadOnlySpan<float> cosines, ReadOnlySpan<float> sines)
    {
        int d = _config.HeadDim, half = d / 2;
        for (int h = 0; h < heads.Length; h += d)
        {
            var x = heads.Slice(h, d);
            for (int i = 0; i < half; i++)
            {
                float x1 = x[i], x2 = x[half + i];
                float cos = cosines[i], sin = sines[i];
                x[i] = x1 * cos - x2 * sin;
                x[half + i] = x2 * cos + x1 * sin;
            }
        }
        RoundToActivations(heads);
    }

    private void RoundToActivations(Span<float> values)
    {
        if (_bf16) Bf16.RoundInPlace(values);
    }

    private static void ReadRow(Tensor t, float[] into)
    {
        if (t.is_contiguous() && t.dtype == ScalarType.BFloat16)
        {
            Bf16.Widen(MemoryMarshal.Cast<byte, ushort>(t.bytes)[..into.Length], into);
            return;
        }
        if (t.is_contiguous() && t.dtype == ScalarType.Float32)
        {
            MemoryMarshal.Cast<byte, float>(t.bytes).CopyTo(into);
            return;
        }
        using var wide = t.to(ScalarType.Float32).contiguous();
        MemoryMarshal.Cast<byte, float>(wide.bytes).CopyTo(into);
    }

    /// <summary>Reads the layer's biases and sinks ahead of its first token.</summary>
    public void Prepare(GptOssLayerWeights w) => Constants(w);

    private (float[], float[], float[]) Constants(GptOssLayerWeights w)
    {
        // Sinks is the one settable weight (an ablation swaps it): a new tensor is read again.
        if (!_constants.TryGetValue(w, out var constants) || !ReferenceEquals(constants.SinksTensor, w.Sinks))
        {
            constants = (TensorData.ToFloatArray(w.QkvBias), TensorData.ToFloatArray(w.OutBias), TensorData.ToFloatArray(w.Sinks), w.Sinks);
            _constants[w] = constants;
        }
        return (constants.QkvBias, constants.OutBias, constants.Sinks);
    }
}
