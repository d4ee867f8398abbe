using System.Text.Json;
using System.Text.Json.Nodes;
using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Model;

/// <summary>The two published ways gpt-oss weights are laid out on disk.</summary>
public enum CheckpointLayout
{
    /// <summary>openai/gpt-oss's <c>original/</c> folder: <c>config.json</c> with the reference's names + <c>*.safetensors</c>.</summary>
    Original,
    /// <summary>Hugging Face: <c>config.json</c> (GptOssConfig names) + sharded files with <c>model.safetensors.index.json</c>.</summary>
    HuggingFace,
}

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

/// <summary>An opened checkpoint folder: its layout (auto-detected), configuration and tensors.</summary>
public sealed class GptOssCheckpoint : IDisposable
{
    private GptOssCheckpoint(string folder, CheckpointLayout layout, GptOssConfig config, SafetensorsCheckpoint tensors)
    {
        Folder = folder;
        Layout = layout;
        Config = config;
        Tensors = tensors;
        Names = CheckpointNames.For(layout);
    }

    public string Folder { get; }
    public CheckpointLayout Layout { get; }
    public GptOssConfig Config { get; }
    public SafetensorsCheckpoint Tensors { get; }
    public CheckpointNames Names { get; }

    /// <summary>
    /// Detects the layout: a <c>config.json</c> with Hugging Face names (<c>num_local_experts</c>) is the HF layout; one
    /// with the reference's names (<c>num_experts</c>) is the original layout; a folder holding only <c>original/</c>
    /// (the HF repository without its root files) is opened there.
    /// </summary>
    public static GptOssCheckpoint Open(string folder)
    {
        if (!Directory.Exists(folder))
            throw new ModelCheckpointException($"{folder}: no such model folder");
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            string original = Path.Combine(folder, "original");
            if (File.Exists(Path.Combine(original, "config.json"))) return Open(original);
            throw new ModelCheckpointException($"{folder}: no config.json (expected a gpt-oss checkpoint: original/ or Hugging Face layout)");
        }
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllBytes(configPath)) as JsonObject
                   ?? throw new ModelCheckpointException($"{configPath}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelCheckpointException($"{configPath}: not valid JSON: {e.Message}");
        }
        CheckpointLayout layout;
        GptOssConfig config;
        if (json.ContainsKey("num_local_experts"))
        {
            layout = CheckpointLayout.HuggingFace;
            config = GptOssConfig.FromHuggingFaceJson(json, configPath);
        }
        else if (json.ContainsKey("num_experts"))
        {
            layout = CheckpointLayout.Original;
            config = GptOssConfig.FromOriginalJson(json, configPath);
        }
        else
        {
            throw new ModelCheckpointException($"{configPath}: neither 'num_experts' (original layout) nor 'num_local_experts' (Hugging Face layout): not a gpt-oss config");
        }
        var tensors = SafetensorsCheckpoint.OpenFolder(folder);
        return new GptOssCheckpoint(folder, layout, config, tensors);
    }

    public void Dispose() => Tensors.Dispose();
}
