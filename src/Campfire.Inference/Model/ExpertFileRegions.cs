namespace Campfire.Inference.Model;

/// <summary>The places of one layer's MXFP4 expert tensors in their files, for <see cref="CheckpointFileReader"/>.</summary>
public sealed record ExpertFileRegions(TensorFileRegion Mlp1Blocks, TensorFileRegion Mlp1Scales, TensorFileRegion Mlp2Blocks, TensorFileRegion Mlp2Scales);
