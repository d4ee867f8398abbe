namespace Campfire.Inference.Runtime;

/// <summary>Activation precision. Weights stay as stored (bf16, MXFP4) and are widened where they are used.</summary>
public enum ActivationDType { Float32, BFloat16 }
