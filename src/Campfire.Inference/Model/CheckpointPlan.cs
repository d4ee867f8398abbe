using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Model;

/// <summary>
/// Everything a generated checkpoint will hold, before a byte of data is written: its configuration, its files with
/// their headers, and each tensor's name, dtype, shape, offset and fill. The writer streams the data from it; tests
/// check names and shapes against the real model without writing gigabytes.
/// </summary>
public sealed class CheckpointPlan
{
    private CheckpointPlan(CheckpointPreset preset, CheckpointLayout layout, GptOssConfig config, IReadOnlyList<PlannedShard> shards)
    {
        Preset = preset;
        Layout = layout;
        Config = config;
        Shards = shards;
        SingleStream = preset == CheckpointPreset.Tiny;
    }

    public CheckpointPreset Preset { get; }
    public CheckpointLayout Layout { get; }
    public GptOssConfig Config { get; }
    public IReadOnlyList<PlannedShard> Shards { get; }

    /// <summary>
    /// True for the tiny preset: one generator stream runs through every tensor in order, which is how tiny checkpoints
    /// have always been drawn (their bytes for a seed must not change). Larger presets seed each chunk on its own, so
    /// chunks can be generated in parallel and the bytes do not depend on the thread count.
    /// </summary>
    public bool SingleStream { get; private init; }

    /// <summary>The same plan drawn chunk by chunk (how larger presets are drawn), to test that way on a small model.</summary>
    internal CheckpointPlan WithChunkSeeds() => new(Preset, Layout, Config, Shards) { SingleStream = false };

    /// <summary>Bytes of every safetensors file together (config.json and the index are a few KB more).</summary>
    public long TotalBytes => Shards.Sum(s => s.FileBytes);

    public IEnumerable<PlannedTensor> Tensors => Shards.SelectMany(s => s.Tensors);

    public static GptOssConfig ConfigFor(CheckpointPreset preset, int vocabSize = 201088) => preset switch
    {
        CheckpointPreset.Tiny => GptOssConfig.Tiny(vocabSize),
        CheckpointPreset.Small => GptOssConfig.Small,
        CheckpointPreset.GptOss20B => GptOssConfig.GptOss20B,
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "unknown preset"),
    };

    /// <summary>The plan of <paramref name="preset"/> (the vocabulary applies to the tiny preset; the others have gpt-oss-20b's).</summary>
    public static CheckpointPlan Create(CheckpointPreset preset, CheckpointLayout layout, int vocabSize = 201088)
    {
        var config = ConfigFor(preset, vocabSize).Validate($"{preset} preset");
        var names = CheckpointNames.For(layout);
        int h = config.HiddenSize, e = config.NumExperts, i2 = 2 * config.IntermediateSize;
        var tensors = new List<PlannedTensor>();
        var layerStarts = new List<int>();

        void Add(string name, SafetensorsDType dtype, long[] shape, TensorFill fill) => tensors.Add(new PlannedTensor(name, dtype, shape, fill));
        void Dense(string name, long[] shape, float amplitude, float offset = 0) => Add(name, SafetensorsDType.BF16, shape, TensorFill.Uniform(amplitude, offset));
        // The fused QKV rows are drawn as one block: the HF names take consecutive row ranges of it, so the same seed
        // gives the same model in both layouts.
        void Stacked(string[] parts, long[] rows, long[] tail, float amplitude)
        {
            if (parts.Length == 1)
            {
                Dense(parts[0], [rows.Sum(), .. tail], amplitude);
                return;
            }
            for (int k = 0; k < parts.Length; k++) Dense(parts[k], [rows[k], .. tail], amplitude);
        }
        void Fp4(string blocks, string scales, long rows, int inputs)
        {
            Add(blocks, SafetensorsDType.U8, [e, rows, inputs / 32, 16], TensorFill.Fp4Blocks());
            Add(scales, SafetensorsDType.U8, [e, rows, inputs / 32], TensorFill.Fp4Scales(ScaleBase(inputs)));
        }

        float dense = 1f / MathF.Sqrt(h);
        long[] qkvRows = [config.QueryWidth, config.KeyValueWidth, config.KeyValueWidth];
        Dense(names.Embedding, [config.VocabSize, h], 1f);
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            layerStarts.Add(tensors.Count);
            Dense(names.AttentionNorm(l), [h], 0.1f, 1f);
            Stacked(names.QkvWeight(l), qkvRows, [h], dense);
            Stacked(names.QkvBias(l), qkvRows, [], 0.05f);
            Dense(names.Sinks(l), [config.NumAttentionHeads], 1f);
            Dense(names.OutWeight(l), [h, config.QueryWidth], 1f / MathF.Sqrt(config.QueryWidth));
            Dense(names.OutBias(l), [h], 0.05f);
            Dense(names.MlpNorm(l), [h], 0.1f, 1f);
            Dense(names.GateWeight(l), [e, h], dense);
            Dense(names.GateBias(l), [e], 0.05f);
            Fp4(names.Mlp1Blocks(l), names.Mlp1Scales(l), i2, h);
            Dense(names.Mlp1Bias(l), [e, i2], 0.05f);
            Fp4(names.Mlp2Blocks(l), names.Mlp2Scales(l), h, config.IntermediateSize);
            Dense(names.Mlp2Bias(l), [e, h], 0.05f);
        }
        Dense(names.FinalNorm, [h], 0.1f, 1f);
        Dense(names.Unembedding, [config.VocabSize, h], dense);

        var shards = new List<PlannedShard>();
        if (layout == CheckpointLayout.Original)
        {
            // openai/gpt-oss ships original/ as one model.safetensors.
            shards.Add(Shard("model.safetensors", tensors, null));
        }
        else
        {
            // Tiny: two shards split before layer 1 (so the index path is exercised); larger: about 8 layers a shard.
            int[] cuts = preset == CheckpointPreset.Tiny
                ? [layerStarts.Count > 1 ? layerStarts[1] : tensors.Count / 2]
                : Enumerable.Range(1, (config.NumHiddenLayers - 1) / 8).Select(k => layerStarts[k * 8]).ToArray();
            int count = cuts.Length + 1, from = 0;
            var metadata = new Dictionary<string, string> { ["format"] = "pt" };
            for (int s = 0; s < count; s++)
            {
                int to = s < cuts.Length ? cuts[s] : tensors.Count;
                shards.Add(Shard($"model-{s + 1:D5}-of-{count:D5}.safetensors", tensors.GetRange(from, to - from), metadata));
                from = to;
            }
        }
        return new CheckpointPlan(preset, layout, config, shards);
    }

    /// <summary>
    /// The tiny preset's scales are 2^-8..2^-4 for 64 inputs; wider rows get scales smaller by √(inputs / 64), rounded to
    /// a power of two, so an expert's output keeps about the tiny model's magnitude instead of growing with the width.
    /// </summary>
    public static int ScaleBase(int inputs) => 119 - (int)Math.Round(0.5 * Math.Log2(inputs / 64.0));

    private static PlannedShard Shard(string fileName, List<PlannedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = SafetensorsWriter.EncodeHeader(tensors.Select(t => (t.Name, t.DType, t.Shape)).ToList(), metadata);
        long offset = header.LongLength;
        var placed = new List<PlannedTensor>(tensors.Count);
        foreach (var t in tensors)
        {
            placed.Add(t with { FileOffset = offset });
            offset += t.ByteLength;
        }
        return new PlannedShard(fileName, header, placed);
    }
}
