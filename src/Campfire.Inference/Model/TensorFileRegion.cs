namespace Campfire.Inference.Model;

/// <summary>Where a tensor's bytes lie in a checkpoint file: <paramref name="Length"/> bytes from <paramref name="Offset"/>.</summary>
public sealed record TensorFileRegion(string Path, long Offset, long Length);

/// <summary>The places of one layer's MXFP4 expert tensors in their files, for <see cref="CheckpointFileReader"/>.</summary>
public sealed record ExpertFileRegions(TensorFileRegion Mlp1Blocks, TensorFileRegion Mlp1Scales, TensorFileRegion Mlp2Blocks, TensorFileRegion Mlp2Scales);
