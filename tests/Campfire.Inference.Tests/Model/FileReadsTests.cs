using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using static TorchSharp.torch;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// Weights read from the checkpoint file a chunk of rows at a time (<see cref="CheckpointFileReader"/>) instead of through
/// the mapping: every logit must keep its bits, in steps and prefills, over uneven chunks and threads; a file that
/// changed under the model must give our exception, not wrong numbers.
/// </summary>
public sealed class FileReadsTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    /// <summary>The Hugging Face layout stores q, k and v apart: its stacked QKV has no file region and keeps the mapping.</summary>
    [Theory]
    [InlineData(ActivationDType.Float32, false)]
    [InlineData(ActivationDType.BFloat16, false)]
    [InlineData(ActivationDType.BFloat16, true)]
    public void Weights_read_from_the_file_give_the_mappings_bits_in_prefill_and_steps(ActivationDType dtype, bool huggingFaceLayout)
    {
        using var model = GptOssModel.Load(huggingFaceLayout ? tiny.HuggingFaceFolder : tiny.OriginalFolder, InferenceDevice.Cpu, dtype);
        Assert.Equal(huggingFaceLayout, model.Weights.Layers[0].QkvWeightFile is null);
        Assert.NotNull(model.Weights.Layers[0].OutWeightFile);
        float[][] Run(bool fromFiles, int chunkBytes)
        {
            model.ReadWeightsFromFiles = fromFiles;
            Assert.Equal(fromFiles, model.ReadWeightsFromFiles);
            model.CpuPass.Experts.ChunkBytes = chunkBytes;
            if (model.CpuPass.FileReads is { } dense) dense.ChunkBytes = chunkBytes;
            Assert.Equal(fromFiles, model.CpuPass.FileReads is not null);
            using var cache = model.CreateCache();
            var seq = TinyModelFixture.Sequence;
            var rows = Rows(model.Forward(seq.AsSpan(0, 9), cache, allPositions: true)).ToList();
            for (int i = 9; i < seq.Length; i++) rows.AddRange(Rows(model.Forward([seq[i]], cache)));
            return [.. rows];
        }
        var mapped = Run(fromFiles: false, chunkBytes: 256 << 10);
        // 64 hidden: 32-byte rows of MXFP4 blocks, 128-byte bf16 rows; chunks of one row, of a few (uneven last chunks)
        // and of every row.
        foreach (int chunkBytes in new[] { 1, 300, 512 << 10 })
            Assert.Equal(mapped, Run(fromFiles: true, chunkBytes));
    }

    [Fact]
    public void Experts_read_from_the_file_give_the_mappings_bits_with_experts_split_over_threads()
    {
        var c = tiny.Config;
        var layer = tiny.Model.Weights.Layers[0];
        Assert.NotNull(layer.ExpertFiles);
        int count = 11, h = c.HiddenSize, k = c.ExpertsPerToken;
        var (input, chosen, weights) = TinyModelFixture.RandomRouting(c, new Random(5), count);
        var expected = new float[count * h];
        new FusedExperts(c) { MinWorkPerThread = 0 }.ForwardMany(input, count, layer, chosen, weights, 1, expected);

        using var reader = new CheckpointFileReader([layer.ExpertFiles!.Mlp1Blocks, layer.ExpertFiles.Mlp1Scales, layer.ExpertFiles.Mlp2Blocks, layer.ExpertFiles.Mlp2Scales]);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var fromFile = new FusedExperts(c) { MinWorkPerThread = 0, FileReader = reader, ChunkBytes = 96 };
            var sums = new float[count * h];
            fromFile.ForwardMany(input, count, layer, chosen, weights, threads, sums);
            Assert.True(expected.AsSpan().SequenceEqual(sums), $"threads {threads}");
            var one = new float[h];
            fromFile.Forward(input.AsSpan(0, h), layer, chosen.AsSpan(0, k), weights.AsSpan(0, k), threads, one);
            var mappedOne = new float[h];
            new FusedExperts(c).Forward(input.AsSpan(0, h), layer, chosen.AsSpan(0, k), weights.AsSpan(0, k), threads, mappedOne);
            Assert.Equal(mappedOne, one);
        }
    }

    [Fact]
    public void A_bf16_product_from_the_file_gives_the_kernels_bits_over_chunks_and_threads()
    {
        var w = tiny.Model.Weights;
        var region = w.UnembeddingFile!;
        int vocab = tiny.Config.VocabSize, h = tiny.Config.HiddenSize;
        var input = Enumerable.Range(0, h).Select(i => MathF.Sin(i)).ToArray();
        var expected = new float[vocab];
        Campfire.Kernels.Bf16MatVec.Multiply(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(w.Unembedding.bytes), input, [], expected);
        using var reader = new CheckpointFileReader([region]);
        foreach (int chunkBytes in new[] { 1000, 512 << 10 })
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var product = new FileMatVec(reader) { ChunkBytes = chunkBytes };
                var output = new float[vocab];
                product.Multiply(region, input, [], output, threads);
                Assert.True(expected.AsSpan().SequenceEqual(output), $"chunk {chunkBytes}, threads {threads}");
            }
        }
        // Several vectors (a prefill's tokens): the many-vector kernel's bits, each chunk's products scattered to their rows.
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(w.Unembedding.bytes);
        foreach (int count in new[] { 2, 7 })
        {
            var inputs = Enumerable.Range(0, count * h).Select(i => MathF.Cos(i)).ToArray();
            var many = new float[count * vocab];
            Campfire.Kernels.Bf16MatVec.MultiplyMany(bits, inputs, h, [], many);
            foreach (int threads in new[] { 1, 2 })
            {
                var output = new float[count * vocab];
                new FileMatVec(reader) { ChunkBytes = 100_000 }.MultiplyMany(region, inputs, h, [], output, threads);
                Assert.True(many.AsSpan().SequenceEqual(output), $"{count} vectors, threads {threads}");
            }
        }
        var wrongShape = Assert.Throws<InvalidOperationException>(() => new FileMatVec(reader).Multiply(region, input, [], new float[vocab - 1], 1));
        Assert.Contains("bf16 matrix", wrongShape.Message);
    }

    [Fact]
    public void A_one_token_expert_step_from_the_file_allocates_nothing_once_warm()
    {
        var c = tiny.Config;
        var layer = tiny.Model.Weights.Layers[1];
        using var reader = new CheckpointFileReader([layer.ExpertFiles!.Mlp1Blocks, layer.ExpertFiles.Mlp1Scales, layer.ExpertFiles.Mlp2Blocks, layer.ExpertFiles.Mlp2Scales]);
        var experts = new FusedExperts(c) { FileReader = reader, ChunkBytes = 100 };
        var input = new float[c.HiddenSize];
        var sum = new float[c.HiddenSize];
        long[] chosen = [0, 3, 1, 2];
        float[] weights = [0.4f, 0.3f, 0.2f, 0.1f];
        for (int i = 0; i < 3; i++) experts.Forward(input, layer, chosen.AsSpan(0, c.ExpertsPerToken), weights.AsSpan(0, c.ExpertsPerToken), 1, sum);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) experts.Forward(input, layer, chosen.AsSpan(0, c.ExpertsPerToken), weights.AsSpan(0, c.ExpertsPerToken), 1, sum);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Small_checkpoints_read_weights_through_the_mapping_unless_asked()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        if (Environment.GetEnvironmentVariable("CAMPFIRE_FILE_READS") is null)
            Assert.False(model.ReadWeightsFromFiles);   // the tiny checkpoint's experts are far below 1 GB
        model.ReadWeightsFromFiles = true;
        Assert.True(model.ReadWeightsFromFiles);
        Assert.NotNull(model.CpuPass.Experts.FileReader);
        Assert.NotNull(model.CpuPass.FileReads);
        Assert.NotNull(model.CpuPass.Attention.FileReads);
        model.ReadWeightsFromFiles = false;
        Assert.Null(model.CpuPass.Experts.FileReader);
        Assert.Null(model.CpuPass.FileReads);
        Assert.Null(model.CpuPass.Attention.FileReads);
    }

    [Fact]
    public void A_file_that_ends_inside_an_expert_tensor_gives_our_exception_naming_it()
    {
        string path = Path.Combine(tiny.Root, "short-experts.bin");
        File.WriteAllBytes(path, new byte[100]);
        using var reader = new CheckpointFileReader([new TensorFileRegion(path, 40, 200)]);
        var buffer = new byte[80];
        reader.Read(new TensorFileRegion(path, 40, 200), 0, buffer.AsSpan(0, 60));
        var e = Assert.Throws<ModelCheckpointException>(() => reader.Read(new TensorFileRegion(path, 40, 200), 10, buffer));
        Assert.Contains(path, e.Message);
        Assert.Contains("ends at byte 100", e.Message);
        Assert.Contains("changed after the model was loaded", e.Message);
    }

    [Fact]
    public void A_missing_checkpoint_file_gives_our_exception()
    {
        var e = Assert.Throws<ModelCheckpointException>(() => new CheckpointFileReader([new TensorFileRegion(Path.Combine(tiny.Root, "gone.safetensors"), 0, 10)]));
        Assert.Contains("gone.safetensors", e.Message);
    }

    private static float[][] Rows(Tensor logits)
    {
        using (logits)
        {
            var all = logits.data<float>().ToArray();
            int vocab = (int)logits.shape[1];
            return Enumerable.Range(0, (int)logits.shape[0]).Select(r => all.AsSpan(r * vocab, vocab).ToArray()).ToArray();
        }
    }
}
