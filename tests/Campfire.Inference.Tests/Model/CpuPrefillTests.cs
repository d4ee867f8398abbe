using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using static TorchSharp.torch;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// A prefill on the CPU without tensor operations (<see cref="CpuForwardPass"/> with several tokens): each token must
/// get exactly the bits that stepping it alone gives, through the tiny checkpoint's sliding window (4) and its ring, in
/// chunks, with experts split over threads; and agree with the torch prefill within the tolerances of the steps.
/// </summary>
public sealed class CpuPrefillTests(TinyModelFixture tiny, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    public static TheoryData<ActivationDType, bool> DtypesAndLayouts() => new()
    {
        { ActivationDType.Float32, false }, { ActivationDType.Float32, true }, { ActivationDType.BFloat16, false }, { ActivationDType.BFloat16, true },
    };

    [Fact]
    public void A_cpu_model_prefills_with_the_cpu_pass_unless_turned_off()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        Assert.True(model.UsesCpuPrefill);
        model.UseCpuPrefill = false;
        Assert.False(model.UsesCpuPrefill);
        Assert.True(model.UsesCpuDecodeStep);
        model.UseCpuPrefill = true;
        model.UseFusedExperts = false;
        Assert.False(model.UsesCpuPrefill);
    }

    [Theory]
    [MemberData(nameof(DtypesAndLayouts))]
    public void A_prefill_gives_every_token_and_the_next_step_the_bits_of_one_token_steps(ActivationDType dtype, bool huggingFaceLayout)
    {
        using var model = GptOssModel.Load(huggingFaceLayout ? tiny.HuggingFaceFolder : tiny.OriginalFolder, InferenceDevice.Cpu, dtype);
        var seq = TinyModelFixture.Sequence;
        int prompt = seq.Length - 1;   // 11 tokens: the ring of 4 wraps twice

        using var prefilled = model.CreateCache();
        var rows = Rows(model.Forward(seq.AsSpan(0, prompt), prefilled, allPositions: true));
        var next = Rows(model.Forward([seq[prompt]], prefilled))[0];

        using var stepped = model.CreateCache();
        for (int i = 0; i < prompt; i++)
            Assert.Equal(rows[i], Rows(model.Forward([seq[i]], stepped))[0]);
        Assert.Equal(next, Rows(model.Forward([seq[prompt]], stepped))[0]);
        Assert.Equal(prefilled.Length, stepped.Length);

        using var lastOnly = model.CreateCache();
        Assert.Equal(rows[^1], Rows(model.Forward(seq.AsSpan(0, prompt), lastOnly))[0]);
    }

    [Fact]
    public void A_prefill_in_chunks_gives_the_bits_of_one_chunk_and_continues_after_a_rewind()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.BFloat16);
        var seq = TinyModelFixture.Sequence;
        float[][] Run(int chunk)
        {
            model.CpuPass.ChunkTokens = chunk;
            using var cache = model.CreateCache(rewindMargin: 4);
            var all = Rows(model.Forward(seq.AsSpan(0, 9), cache, allPositions: true)).ToList();
            Assert.True(cache.TruncateTo(7));
            all.AddRange(Rows(model.Forward(seq.AsSpan(7, 5), cache, allPositions: true)));
            return [.. all];
        }
        try
        {
            var whole = Run(256);
            foreach (int chunk in new[] { 1, 2, 5 })
                Assert.Equal(whole, Run(chunk));
        }
        finally
        {
            model.CpuPass.ChunkTokens = 256;
        }
    }

    [Theory]
    [InlineData(ActivationDType.Float32, 1e-5)]
    [InlineData(ActivationDType.BFloat16, 0.05)]
    public void A_cpu_prefill_gives_the_torch_prefills_logits_within_the_steps_tolerance_and_its_greedy_picks(ActivationDType dtype, double tolerance)
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, dtype);
        float[][] Prefill(bool cpu)
        {
            model.UseCpuPrefill = cpu;
            using var cache = model.CreateCache();
            return Rows(model.Forward(TinyModelFixture.Sequence, cache, allPositions: true));
        }
        var cpuRows = Prefill(cpu: true);
        var torchRows = Prefill(cpu: false);
        double maxDiff = 0;
        for (int i = 0; i < cpuRows.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, cpuRows[i].Zip(torchRows[i], (a, b) => (double)Math.Abs(a - b)).Max());
            Assert.Equal(Array.IndexOf(torchRows[i], torchRows[i].Max()), Array.IndexOf(cpuRows[i], cpuRows[i].Max()));
        }
        output.WriteLine($"{dtype}: cpu prefill vs torch prefill, max abs logit diff {maxDiff:G3}");
        Assert.True(maxDiff <= tolerance, $"max abs diff {maxDiff:G3}");
    }

    /// <summary>
    /// With more than one thread a prefill's experts run on different threads (the tiny model's are below the split
    /// threshold, so it is lowered here); each token must still add its experts' outputs in id order, as one thread does.
    /// </summary>
    [Fact]
    public void Experts_split_over_threads_give_every_token_the_bits_of_a_one_token_call()
    {
        var c = tiny.Config;
        var layer = tiny.Model.Weights.Layers[1];
        int count = 13, h = c.HiddenSize, k = c.ExpertsPerToken;
        var (input, chosen, weights) = TinyModelFixture.RandomRouting(c, new Random(3), count);

        var expected = new float[count * h];
        var one = new FusedExperts(c);
        for (int t = 0; t < count; t++)
            one.Forward(input.AsSpan(t * h, h), layer, chosen.AsSpan(t * k, k), weights.AsSpan(t * k, k), 1, expected.AsSpan(t * h, h));
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var many = new FusedExperts(c) { MinWorkPerThread = 0 };
            var sums = new float[count * h];
            many.ForwardMany(input, count, layer, chosen, weights, threads, sums);
            Assert.True(expected.AsSpan().SequenceEqual(sums), $"threads {threads}");
            // A second call on the same buffers (grown, not cleared) must not see the first one's sums.
            Array.Fill(sums, float.NaN);
            many.ForwardMany(input, count, layer, chosen, weights, threads, sums);
            Assert.True(expected.AsSpan().SequenceEqual(sums), $"threads {threads}, second call");
        }
    }

    /// <summary>
    /// The decode model's CPU path writes each step's logits into one buffer (no tensor per step): its greedy ids, masked
    /// greedy ids and logits must be those of the tensor path, through a prompt, steps and a rewinding second prompt.
    /// </summary>
    [Fact]
    public void The_decode_models_logits_buffer_gives_the_tensor_paths_logits_and_greedy_ids()
    {
        var seq = TinyModelFixture.Sequence;
        (int[] Ids, float[] Logits) Run(bool buffer)
        {
            using var decode = new GptOssDecodeModel(GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.BFloat16))
            {
                UseLogitsBuffer = buffer,
            };
            var ids = new List<int> { decode.PrefillGreedy(seq.AsSpan(0, 6)) };
            for (int i = 6; i < 9; i++) ids.Add(decode.DecodeGreedy(seq[i]));
            var mask = new ulong[(decode.VocabularySize + 63) / 64];
            for (int t = 0; t < decode.VocabularySize; t += 3) mask[t / 64] |= 1UL << (t % 64);
            ids.Add(decode.PrefillGreedy(seq.AsSpan(0, 8), mask));   // rewinds to the shared prefix
            ids.Add(decode.DecodeGreedy(seq[8], mask));
            var logits = new float[decode.VocabularySize];
            decode.Decode(seq[9], logits);
            return ([.. ids], logits[..decode.VocabularySize]);
        }
        var viaBuffer = Run(buffer: true);
        var viaTensor = Run(buffer: false);
        Assert.Equal(viaTensor.Ids, viaBuffer.Ids);
        Assert.Equal(viaTensor.Logits, viaBuffer.Logits);
        Assert.All(viaBuffer.Ids.Skip(4), id => Assert.Equal(0, id % 3));
    }

    /// <summary>The vectorised SwiGLU (eight at a time) against the reference formula in float64: clamps, tails, NaN.</summary>
    [Fact]
    public void SwiGlu_eight_at_a_time_matches_the_reference_formula_and_keeps_nan()
    {
        var random = new Random(11);
        const float limit = 7f, alpha = 1.702f;
        foreach (int width in new[] { 1, 7, 8, 9, 64, 1029 })
        {
            var hidden = new float[2 * width];
            for (int i = 0; i < hidden.Length; i++) hidden[i] = (float)((random.NextDouble() * 2 - 1) * 12);
            if (width > 8) { hidden[4] = float.NaN; hidden[7] = float.NaN; }
            var u = new float[width];
            FusedExperts.SwiGlu(hidden, u, limit, alpha);
            for (int j = 0; j < width; j++)
            {
                double gate = Math.Min(hidden[2 * j], limit), linear = Math.Clamp((double)hidden[2 * j + 1], -limit, limit);
                double expected = gate / (1 + Math.Exp(-alpha * gate)) * (linear + 1);
                if (double.IsNaN(hidden[2 * j]) || double.IsNaN(hidden[2 * j + 1])) Assert.True(float.IsNaN(u[j]), $"width {width} [{j}]");
                else Assert.True(Math.Abs(u[j] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"width {width} [{j}]: {u[j]:R} vs {expected:R}");
            }
        }
    }

    private static float[][] Rows(Tensor logits)
    {
        using (logits)
        {
            int rows = (int)logits.shape[0], vocab = (int)logits.shape[1];
            var flat = logits.data<float>().ToArray();
            return [.. Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * vocab, vocab).ToArray())];
        }
    }
}
