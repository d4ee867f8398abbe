using System.Runtime.CompilerServices;

namespace Campfire.Inference.Model;

/// <summary>bfloat16 conversions (round to nearest even; NaN stays NaN).</summary>
public static class Bf16
{
    public static ushort FromFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static float ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>Widens bf16 bits to the fp32 values they stand for (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ReadOnlySpan<ushort> bits, Span<float> values)
    {
        for (int i = 0; i < bits.Length; i++) values[i] = ToFloat(bits[i]);
    }

    /// <summary>Rounds fp32 values to bf16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Narrow(ReadOnlySpan<float> values, Span<ushort> bits)
    {
        for (int i = 0; i < values.Length; i++) bits[i] = FromFloat(values[i]);
    }

    /// <summary>Rounds each value to the nearest bf16 value, kept as fp32: what a bf16 tensor would hold.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RoundInPlace(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = ToFloat(FromFloat(values[i]));
    }
}
