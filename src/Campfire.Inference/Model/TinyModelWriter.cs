using System.Text.Json;
using Campfire.Decoding;
using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Model;

/// <summary>
/// Writes a small random gpt-oss checkpoint (same architecture, sizes of <see cref="GptOssConfig.Tiny"/>) from a seeded
/// generator, in either layout. The same seed gives the same model in both layouts: the fused QKV rows are generated
/// once and split for the Hugging Face names.
/// </summary>
public static class TinyModelWriter
{
    public static GptOssConfig Write(string folder, CheckpointLayout layout, int vocabSize = 201088, ulong seed = 0)
    {
        var config = GptOssConfig.Tiny(vocabSize).Validate("tiny model");
        // The embedding and unembedding are one bf16 array each: refuse a vocabulary they cannot hold before
        // creating anything (an overflow half-way would leave an empty folder behind).
        if ((long)vocabSize * config.HiddenSize * 2 > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, "vocabulary too large for a tiny model");
        Directory.CreateDirectory(folder);
        var names = CheckpointNames.For(layout);
        var random = new SplitMix64(seed);
        int h = config.HiddenSize, e = config.NumExperts, i2 = 2 * config.IntermediateSize;
        var entries = new List<SafetensorsEntry>();

        void Dense(string name, long[] shape, float amplitude, float offset = 0)
        {
            long count = 1;
            foreach (long d in shape) count *= d;
            var data = new byte[count * 2];
            for (long i = 0; i < count; i++)
                BitConverter.TryWriteBytes(data.AsSpan((int)(i * 2)), Bf16.FromFloat(offset + amplitude * random.NextSigned()));
            entries.Add(new SafetensorsEntry(name, SafetensorsDType.BF16, shape, data));
        }

        void Fp4(string blocksName, string scalesName, long rows, int inputs)
        {
            int groups = inputs / 32;
            var blocks = new byte[e * rows * groups * 16];
            for (long i = 0; i < blocks.Length; i++) blocks[i] = (byte)random.Next(256);
            var scales = new byte[e * rows * groups];
            for (long i = 0; i < scales.Length; i++) scales[i] = (byte)(119 + random.Next(5));
            entries.Add(new SafetensorsEntry(blocksName, SafetensorsDType.U8, [e, rows, groups, 16], blocks));
            entries.Add(new SafetensorsEntry(scalesName, SafetensorsDType.U8, [e, rows, groups], scales));
        }

        float dense = 1f / MathF.Sqrt(h);
        Dense(names.Embedding, [config.VocabSize, h], 1f);
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            Dense(names.AttentionNorm(l), [h], 0.1f, 1f);
            int qkvRows = config.QueryWidth + 2 * config.KeyValueWidth;
            Dense("qkv.weight", [qkvRows, h], dense);
            Dense("qkv.bias", [qkvRows], 0.05f);
            SplitQkv(entries, names.QkvWeight(l), names.QkvBias(l), config);
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

        var options = new JsonSerializerOptions { WriteIndented = true };
        if (layout == CheckpointLayout.Original)
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), config.ToOriginalJson().ToJsonString(options));
            SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), entries);
        }
        else
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), config.ToHuggingFaceJson().ToJsonString(options));
            // Two shards, so the index path is exercised: everything up to layer 0 in the first, the rest in the second.
            int split = entries.FindIndex(x => x.Name.Contains(".layers.1.", StringComparison.Ordinal));
            if (split < 0) split = entries.Count / 2;
            string[] shardNames = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
            var parts = new[] { entries.Take(split).ToList(), entries.Skip(split).ToList() };
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            long total = 0;
            for (int s = 0; s < 2; s++)
            {
                SafetensorsWriter.Write(Path.Combine(folder, shardNames[s]), parts[s], new Dictionary<string, string> { ["format"] = "pt" });
                foreach (var entry in parts[s])
                {
                    map[entry.Name] = shardNames[s];
                    total += entry.Data.LongLength;
                }
            }
            SafetensorsWriter.WriteIndex(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), map, total);
        }
        return config;
    }

    /// <summary>Replaces the temporary fused "qkv.*" entries with the layout's names (fused, or q/k/v row blocks).</summary>
    private static void SplitQkv(List<SafetensorsEntry> entries, string[] weightNames, string[] biasNames, GptOssConfig c)
    {
        var weight = entries[^2];
        var bias = entries[^1];
        entries.RemoveRange(entries.Count - 2, 2);
        long[] rows = [c.QueryWidth, c.KeyValueWidth, c.KeyValueWidth];
        if (weightNames.Length == 1)
        {
            entries.Add(weight with { Name = weightNames[0] });
            entries.Add(bias with { Name = biasNames[0] });
            return;
        }
        long h = weight.Shape[1];
        long start = 0;
        for (int k = 0; k < 3; k++)
        {
            entries.Add(new SafetensorsEntry(weightNames[k], SafetensorsDType.BF16, [rows[k], h],
                weight.Data.AsSpan((int)(start * h * 2), (int)(rows[k] * h * 2)).ToArray()));
            start += rows[k];
        }
        start = 0;
        for (int k = 0; k < 3; k++)
        {
            entries.Add(new SafetensorsEntry(biasNames[k], SafetensorsDType.BF16, [rows[k]],
                bias.Data.AsSpan((int)(start * 2), (int)(rows[k] * 2)).ToArray()));
            start += rows[k];
        }
    }
}
