namespace Campfire.Inference.Safetensors;

/// <summary>One tensor to write: raw little-endian bytes of the given dtype and shape.</summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, long[] Shape, byte[] Data);
