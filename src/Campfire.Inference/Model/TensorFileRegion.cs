namespace Campfire.Inference.Model;

/// <summary>Where a tensor's bytes lie in a checkpoint file: <paramref name="Length"/> bytes from <paramref name="Offset"/>.</summary>
public sealed record TensorFileRegion(string Path, long Offset, long Length);
