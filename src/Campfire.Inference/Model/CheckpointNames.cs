namespace Campfire.Inference.Model;

/// <summary>Tensor names of one layout; HF splits the fused QKV projection into three.</summary>
public abstract class CheckpointNames
{
    public static CheckpointNames For(CheckpointLayout layout) => layout == CheckpointLayout.Original ? OriginalNames.Instance : HuggingFaceNames.Instance;

    public abstract string Embedding { get; }
    public abstract string FinalNorm { get; }
    public abstract string Unembedding { get; }
    public abstract string AttentionNorm(int n);
    /// <summary>Original: one fused name; HF: q, k, v names whose rows are stacked in that order.</summary>
    public abstract string[] QkvWeight(int n);
    public abstract string[] QkvBias(int n);
    public abstract string Sinks(int n);
    public abstract string OutWeight(int n);
    public abstract string OutBias(int n);
    public abstract string MlpNorm(int n);
    public abstract string GateWeight(int n);
    public abstract string GateBias(int n);
    public abstract string Mlp1Blocks(int n);
    public abstract string Mlp1Scales(int n);
    public abstract string Mlp1Bias(int n);
    public abstract string Mlp2Blocks(int n);
    public abstract string Mlp2Scales(int n);
    public abstract string Mlp2Bias(int n);

    private sealed class OriginalNames : CheckpointNames
    {
        public static readonly OriginalNames Instance = new();
        public override string Embedding => "embedding.weight";
        public override string FinalNorm => "norm.scale";
        public override string Unembedding => "unembedding.weight";
        public override string AttentionNorm(int n) => $"block.{n}.attn.norm.scale";
        public override string[] QkvWeight(int n) => [$"block.{n}.attn.qkv.weight"];
        public override string[] QkvBias(int n) => [$"block.{n}.attn.qkv.bias"];
        public override string Sinks(int n) => $"block.{n}.attn.sinks";
        public override string OutWeight(int n) => $"block.{n}.attn.out.weight";
        public override string OutBias(int n) => $"block.{n}.attn.out.bias";
        public override string MlpNorm(int n) => $"block.{n}.mlp.norm.scale";
        public override string GateWeight(int n) => $"block.{n}.mlp.gate.weight";
        public override string GateBias(int n) => $"block.{n}.mlp.gate.bias";
        public override string Mlp1Blocks(int n) => $"block.{n}.mlp.mlp1_weight.blocks";
        public override string Mlp1Scales(int n) => $"block.{n}.mlp.mlp1_weight.scales";
        public override string Mlp1Bias(int n) => $"block.{n}.mlp.mlp1_bias";
        public override string Mlp2Blocks(int n) => $"block.{n}.mlp.mlp2_weight.blocks";
        public override string Mlp2Scales(int n) => $"block.{n}.mlp.mlp2_weight.scales";
        public override string Mlp2Bias(int n) => $"block.{n}.mlp.mlp2_bias";
    }

    private sealed class HuggingFaceNames : CheckpointNames
    {
        public static readonly HuggingFaceNames Instance = new();
        public override string Embedding => "model.embed_tokens.weight";
        public override string FinalNorm => "model.norm.weight";
        public override string Unembedding => "lm_head.weight";
        public override string AttentionNorm(int n) => $"model.layers.{n}.input_layernorm.weight";
        public override string[] QkvWeight(int n) => [$"model.layers.{n}.self_attn.q_proj.weight", $"model.layers.{n}.self_attn.k_proj.weight", $"model.layers.{n}.self_attn.v_proj.weight"];
        public override string[] QkvBias(int n) => [$"model.layers.{n}.self_attn.q_proj.bias", $"model.layers.{n}.self_attn.k_proj.bias", $"model.layers.{n}.self_attn.v_proj.bias"];
        public override string Sinks(int n) => $"model.layers.{n}.self_attn.sinks";
        public override string OutWeight(int n) => $"model.layers.{n}.self_attn.o_proj.weight";
        public override string OutBias(int n) => $"model.layers.{n}.self_attn.o_proj.bias";
        public override string MlpNorm(int n) => $"model.layers.{n}.post_attention_layernorm.weight";
        public override string GateWeight(int n) => $"model.layers.{n}.mlp.router.weight";
        public override string GateBias(int n) => $"model.layers.{n}.mlp.router.bias";
        public override string Mlp1Blocks(int n) => $"model.layers.{n}.mlp.experts.gate_up_proj_blocks";
        public override string Mlp1Scales(int n) => $"model.layers.{n}.mlp.experts.gate_up_proj_scales";
        public override string Mlp1Bias(int n) => $"model.layers.{n}.mlp.experts.gate_up_proj_bias";
        public override string Mlp2Blocks(int n) => $"model.layers.{n}.mlp.experts.down_proj_blocks";
        public override string Mlp2Scales(int n) => $"model.layers.{n}.mlp.experts.down_proj_scales";
        public override string Mlp2Bias(int n) => $"model.layers.{n}.mlp.experts.down_proj_bias";
    }
}
