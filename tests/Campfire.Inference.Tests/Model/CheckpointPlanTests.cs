using Campfire.Decoding;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// The generated checkpoints: the gpt-oss-20b preset against the published model (platform-facts §5.1 and §5.3),
/// checked on its plan and headers without writing its 13.8 GB; the tiny preset against the in-memory formula it has
/// always been written with.
/// </summary>
public sealed class CheckpointPlanTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("campfire-plan-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    [Fact]
    public void The_20b_preset_has_gpt_oss_20b_s_published_configuration()
    {
        var c = CheckpointPlan.Create(CheckpointPreset.GptOss20B, CheckpointLayout.Original).Config;
        Assert.Equal(24, c.NumHiddenLayers);
        Assert.Equal(32, c.NumExperts);
        Assert.Equal(4, c.ExpertsPerToken);
        Assert.Equal(201088, c.VocabSize);
        Assert.Equal(2880, c.HiddenSize);
        Assert.Equal(2880, c.IntermediateSize);
        Assert.Equal(64, c.HeadDim);
        Assert.Equal(64, c.NumAttentionHeads);
        Assert.Equal(8, c.NumKeyValueHeads);
        Assert.Equal(128, c.SlidingWindow);
        Assert.Equal(4096, c.InitialContextLength);
        Assert.Equal(150000, c.RopeTheta);
        Assert.Equal(32, c.RopeScalingFactor);
        Assert.Equal(1, c.RopeNtkAlpha);
        Assert.Equal(32, c.RopeNtkBeta);
        Assert.Equal(7, c.SwigluLimit);
        Assert.Equal(131072, c.MaxContextLength);
        Assert.Equal([true, false, true, false], Enumerable.Range(0, 4).Select(c.IsSliding));
    }

    [Fact]
    public void The_small_preset_is_gpt_oss_20b_at_hidden_1024_with_8_layers_and_8_experts_top_4()
    {
        var plan = CheckpointPlan.Create(CheckpointPreset.Small, CheckpointLayout.Original);
        var c = plan.Config;
        Assert.Equal((8, 8, 4, 1024, 1024), (c.NumHiddenLayers, c.NumExperts, c.ExpertsPerToken, c.HiddenSize, c.IntermediateSize));
        Assert.Equal((64, 16, 4), (c.HeadDim, c.NumAttentionHeads, c.NumKeyValueHeads));
        var twenty = GptOssConfig.GptOss20B;
        Assert.Equal(
            (twenty.VocabSize, twenty.SlidingWindow, twenty.InitialContextLength, twenty.RopeTheta, twenty.RopeScalingFactor, twenty.RopeNtkAlpha, twenty.RopeNtkBeta, twenty.SwigluLimit),
            (c.VocabSize, c.SlidingWindow, c.InitialContextLength, c.RopeTheta, c.RopeScalingFactor, c.RopeNtkAlpha, c.RopeNtkBeta, c.SwigluLimit));
        Assert.False(plan.SingleStream);
        // Embedding and unembedding (2 × 201,088 × 1024 bf16) are most of it; each layer's experts 13.4 MB of MXFP4.
        Assert.InRange(plan.TotalBytes, 970_000_000L, 976_000_000L);
        var written = System.Text.Json.Nodes.JsonNode.Parse(c.ToOriginalJson().ToJsonString())!.AsObject();
        Assert.Equal(GptOssConfig.Small, GptOssConfig.FromOriginalJson(written, "small"));
    }

    [Theory]
    [InlineData(CheckpointLayout.Original)]
    [InlineData(CheckpointLayout.HuggingFace)]
    public void The_20b_plan_holds_every_tensor_of_gpt_oss_20b_with_its_published_shape_and_dtype(CheckpointLayout layout)
    {
        var plan = CheckpointPlan.Create(CheckpointPreset.GptOss20B, layout);
        var n = CheckpointNames.For(layout);
        var expected = new Dictionary<string, (SafetensorsDType, long[])>
        {
            [n.Embedding] = (SafetensorsDType.BF16, [201088, 2880]),
            [n.FinalNorm] = (SafetensorsDType.BF16, [2880]),
            [n.Unembedding] = (SafetensorsDType.BF16, [201088, 2880]),
        };
        for (int l = 0; l < 24; l++)
        {
            string[] qkvW = n.QkvWeight(l), qkvB = n.QkvBias(l);
            if (qkvW.Length == 1)
            {
                expected[qkvW[0]] = (SafetensorsDType.BF16, [5120, 2880]);
                expected[qkvB[0]] = (SafetensorsDType.BF16, [5120]);
            }
            else
            {
                long[] rows = [4096, 512, 512];
                for (int k = 0; k < 3; k++)
                {
                    expected[qkvW[k]] = (SafetensorsDType.BF16, [rows[k], 2880]);
                    expected[qkvB[k]] = (SafetensorsDType.BF16, [rows[k]]);
                }
            }
            expected[n.AttentionNorm(l)] = (SafetensorsDType.BF16, [2880]);
            expected[n.Sinks(l)] = (SafetensorsDType.BF16, [64]);
            expected[n.OutWeight(l)] = (SafetensorsDType.BF16, [2880, 4096]);
            expected[n.OutBias(l)] = (SafetensorsDType.BF16, [2880]);
            expected[n.MlpNorm(l)] = (SafetensorsDType.BF16, [2880]);
            expected[n.GateWeight(l)] = (SafetensorsDType.BF16, [32, 2880]);
            expected[n.GateBias(l)] = (SafetensorsDType.BF16, [32]);
            expected[n.Mlp1Blocks(l)] = (SafetensorsDType.U8, [32, 5760, 90, 16]);
            expected[n.Mlp1Scales(l)] = (SafetensorsDType.U8, [32, 5760, 90]);
            expected[n.Mlp1Bias(l)] = (SafetensorsDType.BF16, [32, 5760]);
            expected[n.Mlp2Blocks(l)] = (SafetensorsDType.U8, [32, 2880, 90, 16]);
            expected[n.Mlp2Scales(l)] = (SafetensorsDType.U8, [32, 2880, 90]);
            expected[n.Mlp2Bias(l)] = (SafetensorsDType.BF16, [32, 2880]);
        }
        var planned = plan.Tensors.ToDictionary(t => t.Name);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), planned.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, (dtype, shape)) in expected)
        {
            Assert.Equal(dtype, planned[name].DType);
            Assert.True(shape.SequenceEqual(planned[name].Shape), $"{name}: [{string.Join(", ", planned[name].Shape)}]");
        }
        // platform-facts §5.3: 20b ≈ 10.2 GB MXFP4 + 3.6 GB BF16 on disk.
        long mxfp4 = plan.Tensors.Where(t => t.DType == SafetensorsDType.U8).Sum(t => t.ByteLength);
        long bf16 = plan.Tensors.Where(t => t.DType == SafetensorsDType.BF16).Sum(t => t.ByteLength);
        Assert.InRange(mxfp4 / 1e9, 10.1, 10.25);
        Assert.InRange(bf16 / 1e9, 3.55, 3.65);
    }

    [Fact]
    public void The_20b_plan_s_headers_open_through_the_loader_as_gpt_oss_20b()
    {
        // The headers with a sparse data area: the real loader validates every offset and shape without 13.8 GB on disk.
        var plan = CheckpointPlan.Create(CheckpointPreset.GptOss20B, CheckpointLayout.Original);
        string folder = Path.Combine(_root, "20b-headers");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), plan.Config.ToOriginalJson().ToJsonString());
        var shard = Assert.Single(plan.Shards);
        using (var file = new FileStream(Path.Combine(folder, shard.FileName), FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(shard.Header);
            file.SetLength(shard.FileBytes);
        }
        using var checkpoint = GptOssCheckpoint.Open(folder);
        Assert.Equal(GptOssConfig.GptOss20B, checkpoint.Config);
        Assert.Equal(363, checkpoint.Tensors.TensorNames.Count());
        foreach (var t in plan.Tensors)
        {
            var (_, info) = checkpoint.Tensors.Get(t.Name);
            Assert.Equal(t.FileOffset, info.FileOffset);
            Assert.Equal(t.ByteLength, info.ByteLength);
        }
    }

    [Fact]
    public void The_20b_expert_scales_shrink_with_the_row_width_so_outputs_keep_the_tiny_model_s_magnitude()
    {
        Assert.Equal(119, CheckpointPlan.ScaleBase(64));
        // 2880 inputs: √(2880/64) ≈ 6.7 ≈ 2^3, so scales three steps below the tiny model's.
        Assert.Equal(116, CheckpointPlan.ScaleBase(2880));
        var plan = CheckpointPlan.Create(CheckpointPreset.GptOss20B, CheckpointLayout.Original);
        Assert.All(plan.Tensors.Where(t => t.Fill.Kind == TensorFillKind.Fp4Scales), t => Assert.Equal(116, t.Fill.ScaleBase));
    }

    [Theory]
    [InlineData(CheckpointLayout.Original, 256)]
    [InlineData(CheckpointLayout.HuggingFace, 256)]
    [InlineData(CheckpointLayout.Original, 1000)]
    public void The_tiny_preset_streams_the_same_bytes_as_the_in_memory_single_stream_formula(CheckpointLayout layout, int vocab)
    {
        string streamed = Path.Combine(_root, $"streamed-{layout}-{vocab}");
        string reference = Path.Combine(_root, $"reference-{layout}-{vocab}");
        TinyModelWriter.Write(streamed, layout, vocab, seed: 5);
        InMemoryTinyWriter.Write(reference, layout, vocab, seed: 5);
        var files = Directory.GetFiles(reference).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, Directory.GetFiles(streamed).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string? name in files)
            Assert.True(File.ReadAllBytes(Path.Combine(reference, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(streamed, name!))), name);
    }

    [Fact]
    public void Chunk_seeded_checkpoints_do_not_depend_on_the_thread_count_and_run()
    {
        var plan = CheckpointPlan.Create(CheckpointPreset.Tiny, CheckpointLayout.Original, 256).WithChunkSeeds();
        string one = Path.Combine(_root, "chunks-1"), two = Path.Combine(_root, "chunks-2");
        TinyModelWriter.Write(one, plan, seed: 9, threads: 1);
        TinyModelWriter.Write(two, plan, seed: 9, threads: 2);
        Assert.Equal(File.ReadAllBytes(Path.Combine(one, "model.safetensors")), File.ReadAllBytes(Path.Combine(two, "model.safetensors")));

        TorchRuntime.SetCpuThreads(1);
        using var model = GptOssModel.Load(one, InferenceDevice.Cpu, ActivationDType.Float32);
        using var cache = model.CreateCache();
        using var logits = model.Forward(TinyModelFixture.Sequence, cache);
        Assert.All(logits.data<float>().ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(0.05f, 0f)]
    [InlineData(0.1f, 1f)]
    public void Chunk_fill_draws_bf16_values_inside_their_range_and_scales_inside_theirs(float amplitude, float offset)
    {
        var chunk = new byte[1 << 16];
        TinyModelWriter.FillChunk(chunk, TensorFill.Uniform(amplitude, offset), 42);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(chunk).ToArray().Select(Bf16.ToFloat).ToArray();
        // bf16 keeps 8 significant bits: rounding may step past an end by at most half a unit in the last place.
        float ulp = (Math.Abs(offset) + amplitude) / 128;
        Assert.All(values, v => Assert.InRange(v, offset - amplitude - ulp / 2, offset + amplitude + ulp / 2));
        Assert.InRange(values.Average(), offset - amplitude * 0.05f, offset + amplitude * 0.05f);

        TinyModelWriter.FillChunk(chunk, TensorFill.Fp4Scales(116), 42);
        Assert.All(chunk, b => Assert.InRange(b, 116, 120));
        Assert.Equal(5, chunk.Distinct().Count());
        var again = new byte[chunk.Length];
        TinyModelWriter.FillChunk(again, TensorFill.Fp4Scales(116), 42);
        Assert.Equal(chunk, again);
    }

    /// <summary>
    /// How tiny checkpoints were written before streaming: every tensor drawn in order from one generator into memory,
    /// then written whole. Kept here as the oracle of the streaming writer's bytes.
    /// </summary>
    private static class InMemoryTinyWriter
    {
        public static void Write(string folder, CheckpointLayout layout, int vocab, ulong seed)
        {
            var config = GptOssConfig.Tiny(vocab);
            Directory.CreateDirectory(folder);
            var names = CheckpointNames.For(layout);
            var random = new SplitMix64(seed);
            int h = config.HiddenSize, e = config.NumExperts, i2 = 2 * config.IntermediateSize;
            var entries = new List<SafetensorsEntry>();
            void Dense(string name, long[] shape, float amplitude, float offset = 0)
            {
                long count = shape.Aggregate(1L, (a, d) => a * d);
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
            void Split(string[] weightNames, string[] biasNames)
            {
                var weight = entries[^2];
                var bias = entries[^1];
                entries.RemoveRange(entries.Count - 2, 2);
                if (weightNames.Length == 1)
                {
                    entries.Add(weight with { Name = weightNames[0] });
                    entries.Add(bias with { Name = biasNames[0] });
                    return;
                }
                long[] rows = [config.QueryWidth, config.KeyValueWidth, config.KeyValueWidth];
                long start = 0;
                for (int k = 0; k < 3; k++, start += rows[k - 1])
                    entries.Add(new SafetensorsEntry(weightNames[k], SafetensorsDType.BF16, [rows[k], h], weight.Data.AsSpan((int)(start * h * 2), (int)(rows[k] * h * 2)).ToArray()));
                start = 0;
                for (int k = 0; k < 3; k++, start += rows[k - 1])
                    entries.Add(new SafetensorsEntry(biasNames[k], SafetensorsDType.BF16, [rows[k]], bias.Data.AsSpan((int)(start * 2), (int)(rows[k] * 2)).ToArray()));
            }

            float dense = 1f / MathF.Sqrt(h);
            Dense(names.Embedding, [config.VocabSize, h], 1f);
            for (int l = 0; l < config.NumHiddenLayers; l++)
            {
                Dense(names.AttentionNorm(l), [h], 0.1f, 1f);
                int qkvRows = config.QueryWidth + 2 * config.KeyValueWidth;
                Dense("qkv.weight", [qkvRows, h], dense);
                Dense("qkv.bias", [qkvRows], 0.05f);
                Split(names.QkvWeight(l), names.QkvBias(l));
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

            var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
            if (layout == CheckpointLayout.Original)
            {
                File.WriteAllText(Path.Combine(folder, "config.json"), config.ToOriginalJson().ToJsonString(options));
                SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), entries);
                return;
            }
            File.WriteAllText(Path.Combine(folder, "config.json"), config.ToHuggingFaceJson().ToJsonString(options));
            int split = entries.FindIndex(x => x.Name.Contains(".layers.1.", StringComparison.Ordinal));
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
    }
}
