namespace Campfire.Inference.Model;

/// <summary>One safetensors file of a generated checkpoint: its encoded header and the tensors after it, in file order.</summary>
public sealed record PlannedShard(string FileName, byte[] Header, IReadOnlyList<PlannedTensor> Tensors)
{
    public long DataBytes => Tensors.Sum(t => t.ByteLength);
    public long FileBytes => Header.LongLength + DataBytes;
}
