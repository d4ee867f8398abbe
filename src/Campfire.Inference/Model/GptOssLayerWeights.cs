using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>The weights of one decoder layer, as stored (bf16 dense, uint8 MXFP4 experts; norms and sinks fp32).</summary>
public sealed class GptOssLayerWeights : IDisposable
{
    public required Tensor AttentionNorm { get; init; }
    public required Tensor QkvWeight { get; init; }
    public required Tensor QkvBias { get; init; }
    public required Tensor Sinks { get; set; }
    public required Tensor OutWeight { get; init; }
    public required Tensor OutBias { get; init; }
    public required Tensor MlpNorm { get; init; }
    public required Tensor GateWeight { get; init; }
    public required Tensor GateBias { get; init; }
    public required Tensor Mlp1Blocks { get; init; }
    public required Tensor Mlp1Scales { get; init; }
    public required Tensor Mlp1Bias { get; init; }
    public required Tensor Mlp2Blocks { get; init; }
    public required Tensor Mlp2Scales { get; init; }
    public required Tensor Mlp2Bias { get; init; }

    /// <summary>Where the MXFP4 expert tensors lie in the checkpoint's files (null for weights not loaded from files).</summary>
    public ExpertFileRegions? ExpertFiles { get; init; }

    /// <summary>Where <see cref="QkvWeight"/> lies in its file, as it is used (null when q, k and v were stacked at load).</summary>
    public TensorFileRegion? QkvWeightFile { get; init; }

    /// <summary>Where <see cref="OutWeight"/> lies in its file.</summary>
    public TensorFileRegion? OutWeightFile { get; init; }

    public void Dispose()
    {
        foreach (var t in new[] { AttentionNorm, QkvWeight, QkvBias, Sinks, OutWeight, OutBias, MlpNorm, GateWeight, GateBias,
                     Mlp1Blocks, Mlp1Scales, Mlp1Bias, Mlp2Blocks, Mlp2Scales, Mlp2Bias })
            t.Dispose();
    }
}
