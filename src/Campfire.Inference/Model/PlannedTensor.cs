using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Model;

/// <summary>One tensor a generated checkpoint will hold: its name, dtype, shape, where it lies in its file and how it is filled.</summary>
public sealed record PlannedTensor(string Name, SafetensorsDType DType, long[] Shape, TensorFill Fill)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    public long ByteLength => ElementCount * DType.ElementSize();

    /// <summary>Offset of the first byte in the shard file (header included); set when the shard is planned.</summary>
    public long FileOffset { get; init; }
}
