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

    /// <summary>Both elements of every byte value: row b = (FP4[b &amp; 0xF], FP4[b &gt;&gt; 4]).</summary>
    public static float[] BytePairTable()
    {
        var table = new float[256 * 2];
        var fp4 = Fp4Values;
        for (int b = 0; b < 256; b++)
        {
            table[2 * b] = fp4[b & 0x0F];
            table[2 * b + 1] = fp4[b >> 4];
        }
        return table;
    }

    private static readonly float[] PairTable = BytePairTable();

    /// <summary>
    /// Dequantises uint8 <paramref name="blocks"/> [..., G, 16] and <paramref name="scales"/> [..., G] to
    /// [..., G·32] of <paramref name="dtype"/> on the blocks' device: one lookup per byte in a 256-row table of element
    /// pairs (so each byte yields its low then its high element), times the exact power of two 2^(scale − 127).
    /// Exact in bf16 and fp32 (both have the 8-bit exponent of E8M0).
    /// </summary>
    public static Tensor Dequantize(Tensor blocks, Tensor scales, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        long[] shape = blocks.shape;
        long groups = shape[^2];
        var table = tensor(PairTable, [256, 2], dtype: dtype, device: blocks.device);
        var values = table.index_select(0, blocks.reshape(-1).to(ScalarType.Int32)).reshape([.. shape[..^2], groups, 32]);
        var factors = exp2(scales.to(ScalarType.Float32) - 127).to(dtype).unsqueeze(-1);
        var result = (values * factors).reshape([.. shape[..^2], groups * 32]);
        return result.MoveToOuterDisposeScope();
    }
}
