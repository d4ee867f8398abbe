using System.Text.Json;
using System.Text.Json.Nodes;

namespace Campfire.Inference.Model;

/// <summary>The hyper-parameters of a gpt-oss model (field names follow openai/gpt-oss's <c>ModelConfig</c>).</summary>
public sealed record GptOssConfig
{
    public int NumHiddenLayers { get; init; } = 24;
    public int NumExperts { get; init; } = 32;
    public int ExpertsPerToken { get; init; } = 4;
    public int VocabSize { get; init; } = 201088;
    public int HiddenSize { get; init; } = 2880;
    public int IntermediateSize { get; init; } = 2880;
    public int HeadDim { get; init; } = 64;
    public int NumAttentionHeads { get; init; } = 64;
    public int NumKeyValueHeads { get; init; } = 8;
    public int SlidingWindow { get; init; } = 128;
    public int InitialContextLength { get; init; } = 4096;
    public double RopeTheta { get; init; } = 150000;
    public double RopeScalingFactor { get; init; } = 32;
    public double RopeNtkAlpha { get; init; } = 1;
    public double RopeNtkBeta { get; init; } = 32;
    public double SwigluLimit { get; init; } = 7;
    public double SwigluAlpha { get; init; } = 1.702;
    public double RmsNormEps { get; init; } = 1e-5;

    /// <summary>Which layers use the sliding window; null means the gpt-oss rule (even layers slide, odd ones are full).</summary>
    public bool[]? SlidingLayers { get; init; }

    public int MaxContextLength => (int)Math.Min(int.MaxValue, InitialContextLength * Math.Max(1, RopeScalingFactor));
    public int QueryWidth => NumAttentionHeads * HeadDim;
    public int KeyValueWidth => NumKeyValueHeads * HeadDim;
    public int MxFp4Groups(int inputs) => inputs / 32;

    public bool IsSliding(int layer) => SlidingLayers is { } s ? s[layer] : layer % 2 == 0;

    /// <summary>gpt-oss-20b as published.</summary>
    public static GptOssConfig GptOss20B { get; } = new();

    /// <summary>
    /// The <c>small</c> preset: gpt-oss-20b's architecture at about a third of its width and depth (hidden and expert
    /// width 1024, 8 layers), a quarter of its experts (8, still top-4), 16 query / 4 KV heads of 64 (4 queries per KV
    /// head where 20b has 8); head size, window 128, YaRN, SwiGLU and the 201,088 vocabulary are 20b's. The shape of
    /// issue #17's earlier measurements.
    /// </summary>
    public static GptOssConfig Small { get; } = new()
    {
        NumHiddenLayers = 8,
        NumExperts = 8,
        ExpertsPerToken = 4,
        HiddenSize = 1024,
        IntermediateSize = 1024,
        NumAttentionHeads = 16,
        NumKeyValueHeads = 4,
    };

    /// <summary>The tiny test model of platform-facts §6: same architecture, small sizes.</summary>
    public static GptOssConfig Tiny(int vocabSize = 201088) => new()
    {
        NumHiddenLayers = 2,
        NumExperts = 4,
        ExpertsPerToken = 2,
        VocabSize = vocabSize,
        HiddenSize = 64,
        IntermediateSize = 64,
        HeadDim = 16,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        SlidingWindow = 4,
    };

    /// <summary>Rejects sizes the forward pass cannot run, naming the field.</summary>
    public GptOssConfig Validate(string source)
    {
        void Require(bool ok, string problem)
        {
            if (!ok) throw new ModelCheckpointException($"{source}: {problem}");
        }
        Require(NumHiddenLayers > 0, "num_hidden_layers must be positive");
        Require(NumExperts > 0, "num_experts must be positive");
        Require(ExpertsPerToken > 0 && ExpertsPerToken <= NumExperts, "experts_per_token must be in 1..num_experts");
        Require(VocabSize > 0, "vocab_size must be positive");
        Require(HiddenSize > 0 && HiddenSize % 32 == 0, "hidden_size must be a positive multiple of 32 (MXFP4 groups)");
        Require(IntermediateSize > 0 && IntermediateSize % 32 == 0, "intermediate_size must be a positive multiple of 32 (MXFP4 groups)");
        Require(HeadDim > 0 && HeadDim % 2 == 0, "head_dim must be positive and even");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0, "num_attention_heads must be a multiple of num_key_value_heads");
        Require(SlidingWindow > 0, "sliding_window must be positive");
        Require(InitialContextLength > 0, "initial_context_length must be positive");
        Require(RopeTheta > 1 && RopeScalingFactor >= 1, "rope_theta must exceed 1 and rope_scaling_factor be at least 1");
        Require(SlidingLayers is null || SlidingLayers.Length == NumHiddenLayers, "layer_types must name every layer");
        if (RopeScalingFactor > 1)
        {
            var (low, high) = YarnRope.NtkBounds(this);
            Require(low > 0 && low < high && high < HeadDim / 2 - 1,
                $"YaRN bounds 0 < low ({low:G4}) < high ({high:G4}) < head_dim/2 - 1 do not hold");
        }
        return this;
    }

    // ---- original/config.json (openai/gpt-oss field names) ----

    public static GptOssConfig FromOriginalJson(JsonObject json, string source)
    {
        var c = new GptOssConfig
        {
            NumHiddenLayers = Int(json, "num_hidden_layers", source),
            NumExperts = Int(json, "num_experts", source),
            ExpertsPerToken = Int(json, "experts_per_token", source),
            VocabSize = Int(json, "vocab_size", source),
            HiddenSize = Int(json, "hidden_size", source),
            IntermediateSize = Int(json, "intermediate_size", source),
            HeadDim = Int(json, "head_dim", source),
            NumAttentionHeads = Int(json, "num_attention_heads", source),
            NumKeyValueHeads = Int(json, "num_key_value_heads", source),
            SlidingWindow = Int(json, "sliding_window", source),
            InitialContextLength = Int(json, "initial_context_length", source),
            RopeTheta = Num(json, "rope_theta", source),
            RopeScalingFactor = Num(json, "rope_scaling_factor", source),
            RopeNtkAlpha = Num(json, "rope_ntk_alpha", source),
            RopeNtkBeta = Num(json, "rope_ntk_beta", source),
            SwigluLimit = OptNum(json, "swiglu_limit", 7.0, source),
        };
        return c.Validate(source);
    }

    public JsonObject ToOriginalJson() => new()
    {
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_experts"] = NumExperts,
        ["experts_per_token"] = ExpertsPerToken,
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize,
        ["swiglu_limit"] = SwigluLimit,
        ["head_dim"] = HeadDim,
        ["num_attention_heads"] = NumAttentionHeads,
        ["num_key_value_heads"] = NumKeyValueHeads,
        ["sliding_window"] = SlidingWindow,
        ["initial_context_length"] = InitialContextLength,
        ["rope_theta"] = RopeTheta,
        ["rope_scaling_factor"] = RopeScalingFactor,
        ["rope_ntk_alpha"] = RopeNtkAlpha,
        ["rope_ntk_beta"] = RopeNtkBeta,
    };

    // ---- Hugging Face config.json ----

    public static GptOssConfig FromHuggingFaceJson(JsonObject json, string source)
    {
        var rope = json["rope_scaling"] as JsonObject;
        bool[]? sliding = null;
        if (json["layer_types"] is JsonArray types)
        {
            sliding = new bool[types.Count];
            for (int i = 0; i < types.Count; i++)
            {
                string? t = types[i]?.GetValueKind() == JsonValueKind.String ? types[i]!.GetValue<string>() : null;
                sliding[i] = t switch
                {
                    "sliding_attention" => true,
                    "full_attention" => false,
                    _ => throw new ModelCheckpointException($"{source}: layer_types[{i}] is '{types[i]}', expected sliding_attention or full_attention"),
                };
            }
        }
        var c = new GptOssConfig
        {
            NumHiddenLayers = Int(json, "num_hidden_layers", source),
            NumExperts = Int(json, "num_local_experts", source),
            ExpertsPerToken = Int(json, "num_experts_per_tok", source),
            VocabSize = Int(json, "vocab_size", source),
            HiddenSize = Int(json, "hidden_size", source),
            IntermediateSize = Int(json, "intermediate_size", source),
            HeadDim = Int(json, "head_dim", source),
            NumAttentionHeads = Int(json, "num_attention_heads", source),
            NumKeyValueHeads = Int(json, "num_key_value_heads", source),
            SlidingWindow = Int(json, "sliding_window", source),
            RopeTheta = Num(json, "rope_theta", source),
            InitialContextLength = rope is null ? 4096 : (int)OptNum(rope, "original_max_position_embeddings", 4096, source),
            RopeScalingFactor = rope is null ? 1 : OptNum(rope, "factor", 1, source),
            RopeNtkAlpha = rope is null ? 1 : OptNum(rope, "beta_slow", 1, source),
            RopeNtkBeta = rope is null ? 32 : OptNum(rope, "beta_fast", 32, source),
            SwigluLimit = OptNum(json, "swiglu_limit", 7.0, source),
            RmsNormEps = OptNum(json, "rms_norm_eps", 1e-5, source),
            SlidingLayers = sliding,
        };
        if (json["tie_word_embeddings"] is JsonValue tie && tie.GetValueKind() == JsonValueKind.True)
            throw new ModelCheckpointException($"{source}: tie_word_embeddings is true, but gpt-oss has an untied unembedding");
        return c.Validate(source);
    }

    public JsonObject ToHuggingFaceJson()
    {
        var types = new JsonArray();
        for (int i = 0; i < NumHiddenLayers; i++) types.Add(IsSliding(i) ? "sliding_attention" : "full_attention");
        return new JsonObject
        {
            ["architectures"] = new JsonArray("GptOssForCausalLM"),
            ["model_type"] = "gpt_oss",
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_local_experts"] = NumExperts,
            ["num_experts_per_tok"] = ExpertsPerToken,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["head_dim"] = HeadDim,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["sliding_window"] = SlidingWindow,
            ["layer_types"] = types,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "yarn",
                ["factor"] = RopeScalingFactor,
                ["beta_fast"] = RopeNtkBeta,
                ["beta_slow"] = RopeNtkAlpha,
                ["truncate"] = false,
                ["original_max_position_embeddings"] = InitialContextLength,
            },
            ["max_position_embeddings"] = MaxContextLength,
            ["swiglu_limit"] = SwigluLimit,
            ["rms_norm_eps"] = RmsNormEps,
            ["attention_bias"] = true,
            ["tie_word_embeddings"] = false,
            ["hidden_act"] = "silu",
            ["quantization_config"] = new JsonObject
            {
                ["quant_method"] = "mxfp4",
                ["modules_to_not_convert"] = new JsonArray("model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"),
            },
        };
    }

    private static int Int(JsonObject json, string name, string source)
    {
        double v = Num(json, name, source);
        if (v != Math.Floor(v) || v < int.MinValue || v > int.MaxValue)
            throw new ModelCheckpointException($"{source}: '{name}' must be an integer, got {v}");
        return (int)v;
    }

    private static double Num(JsonObject json, string name, string source)
    {
        if (json[name] is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            throw new ModelCheckpointException($"{source}: '{name}' is missing or not a number");
        return value.GetValue<double>();
    }

    private static double OptNum(JsonObject json, string name, double fallback, string source) =>
        json.ContainsKey(name) ? Num(json, name, source) : fallback;
}
