namespace Campfire.Inference.Safetensors;

/// <summary>Element types a safetensors header may name.</summary>
public enum SafetensorsDType
{
    Bool, U8, I8, F8E4M3, F8E5M2, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64,
}
