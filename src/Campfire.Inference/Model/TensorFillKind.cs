namespace Campfire.Inference.Model;

/// <summary>How a generated tensor's bytes are drawn.</summary>
public enum TensorFillKind
{
    /// <summary>bf16 values uniform in [offset − amplitude, offset + amplitude).</summary>
    Uniform,
    /// <summary>MXFP4 element bytes: two uniformly random FP4 nibbles each.</summary>
    Fp4Blocks,
    /// <summary>MXFP4 E8M0 scale bytes uniform in scaleBase .. scaleBase + 4.</summary>
    Fp4Scales,
}
