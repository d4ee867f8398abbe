namespace Campfire.Inference.Model;

/// <summary>What a generated tensor holds (see <see cref="TensorFillKind"/>).</summary>
public readonly record struct TensorFill(TensorFillKind Kind, float Amplitude = 0, float Offset = 0, int ScaleBase = 0)
{
    /// <summary>Distinct scale bytes a scale tensor draws from, starting at <see cref="ScaleBase"/>.</summary>
    public const int ScaleSpread = 5;

    public static TensorFill Uniform(float amplitude, float offset = 0) => new(TensorFillKind.Uniform, amplitude, offset);
    public static TensorFill Fp4Blocks() => new(TensorFillKind.Fp4Blocks);
    public static TensorFill Fp4Scales(int scaleBase) => new(TensorFillKind.Fp4Scales, ScaleBase: scaleBase);
}
