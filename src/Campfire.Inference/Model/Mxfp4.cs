using TorchSharp;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// MXFP4 (OCP microscaling): FP4 E2M1 elements, two per byte (low nibble first), 32 per group sharing an E8M0 scale
/// 2^(scale − 127). Blocks [..., G, 16] and scales [..., G] dequantise to [..., G·32].
/// </summary>
public static class Mxfp4
{
    /// <summary>E2M1 values by nibble: bit 3 sign, bits 2..1 exponent, bit 0 mantissa.</summary>
    public static ReadOnlySpan<float> Fp4Values => [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f];

    /// <summary>Scalar dequantisation of one row (groups × 16 bytes, groups scales) into <paramref name="destination"/>.</summary>
    public static void DequantizeRow(ReadOnlySpan<byte> blocks, ReadOnlySpan<byte> scales, Span<float> destination)
    {
        int groups = scales.Length;
        if (blocks.Length != groups * 16 || destination.Length != groups * 32)
            throw new ArgumentException("blocks must hold 16 bytes and destination 32 floats per scale");
        var lut = Fp4Values;
        for (int g = 0; g < groups; g++)
        {
            float scale = MathF.ScaleB(1f, scales[g] - 127);
            for (int b = 0; b < 16; b++)
            {
                byte v = blocks[g * 16 + b];
                destination[g * 32 + 2 * b] = lut[v & 0x0F] * scale;
                destination[g * 32 + 2 * b + 1] = lut[v >> 4] * scale;
            }
        }
    }

    /// <summary>
    /// Dequantises uint8 <paramref name="blocks"/> [..., G, 16] and <paramref name="scales"/> [..., G] to
    /// [..., G·32] of <paramref name="dtype"/> on the blocks' device. Exact in bf16 and fp32 for the scales that occur.
    /// </summary>
    public static Tensor Dequantize(Tensor blocks, Tensor scales, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        long[] shape = blocks.shape;
        long groups = shape[^2];
        var lut = tensor(Fp4Values.ToArray(), dtype: ScalarType.Float32, device: blocks.device);
        var low = bitwise_and(blocks, 0x0F).to(ScalarType.Int64);
        var high = bitwise_right_shift(blocks, 4).to(ScalarType.Int64);
        // [..., G, 16, 2] → [..., G, 32]: element 2b from the low nibble, 2b+1 from the high one.
        var values = stack([lut[low], lut[high]], dim: -1).reshape([.. shape[..^2], groups, 32]);
        var exponents = scales.to(ScalarType.Int32) - 127;
        var result = ldexp(values, exponents.unsqueeze(-1)).reshape([.. shape[..^2], groups * 32]).to(dtype);
        return result.MoveToOuterDisposeScope();
    }
}
