using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Campfire.Inference.Tests.Model;

public sealed class ForwardPassTests(TinyModelFixture tiny, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    /// <summary>
    /// Stated tolerance: float32 forward vs the float64 reference, absolute on each logit (logits here reach ±2.2; the
    /// issue asks for about 1e-4; measured 5.6e-7).
    /// </summary>
    private const double Float32Tolerance = 1e-5;

    private static float[,] Logits(GptOssModel model, int[] tokens)
    {
        using var cache = model.CreateCache();
        using var logits = model.Forward(tokens, cache, allPositions: true);
        return To2D(logits);
    }

    private static float[,] To2D(Tensor t)
    {
        int rows = (int)t.shape[0], cols = (int)t.shape[1];
        var flat = t.data<float>().ToArray();
        var m = new float[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) m[r, c] = flat[r * cols + c];
        return m;
    }

    private static double MaxAbsDiff(float[,] a, double[][] b)
    {
        double max = 0;
        for (int r = 0; r < b.Length; r++)
            for (int c = 0; c < b[r].Length; c++) max = Math.Max(max, Math.Abs(a[r, c] - b[r][c]));
        return max;
    }

    private static double MaxAbsDiff(float[,] a, float[,] b)
    {
        double max = 0;
        for (int r = 0; r < a.GetLength(0); r++)
            for (int c = 0; c < a.GetLength(1); c++) max = Math.Max(max, Math.Abs(a[r, c] - b[r, c]));
        return max;
    }

    [Fact]
    public void Float32_forward_matches_the_float64_reference_within_1e_5_and_picks_the_same_greedy_tokens()
    {
        var reference = new ReferenceGptOss(tiny.OriginalFolder).Forward(TinyModelFixture.Sequence);
        var logits = Logits(tiny.Model, TinyModelFixture.Sequence);
        double spread = reference.SelectMany(r => r).Max(Math.Abs);
        Assert.True(spread > 0.5, $"logits too flat to be a meaningful check (max |logit| {spread})");
        output.WriteLine($"float32 vs float64 reference: max abs logit diff {MaxAbsDiff(logits, reference):G3}, max |logit| {spread:G3}");
        Assert.True(MaxAbsDiff(logits, reference) <= Float32Tolerance, $"max abs diff {MaxAbsDiff(logits, reference):G3}");
        for (int r = 0; r < reference.Length; r++)
        {
            int expected = Array.IndexOf(reference[r], reference[r].Max());
            int actual = Enumerable.Range(0, logits.GetLength(1)).MaxBy(c => logits[r, c]);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Bfloat16_activations_stay_close_to_the_reference()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.BFloat16);
        var reference = new ReferenceGptOss(tiny.OriginalFolder).Forward(TinyModelFixture.Sequence);
        var logits = Logits(model, TinyModelFixture.Sequence);
        output.WriteLine($"bfloat16 vs float64 reference: max abs logit diff {MaxAbsDiff(logits, reference):G3}");
        Assert.True(MaxAbsDiff(logits, reference) < 0.05, $"max abs diff {MaxAbsDiff(logits, reference):G3}");
    }

    [Fact]
    public void Incremental_decode_with_the_kv_cache_equals_full_recompute_at_every_step_across_the_window()
    {
        var full = Logits(tiny.Model, TinyModelFixture.Sequence);
        using var cache = tiny.Model.CreateCache();
        // Prefill 3 tokens, then one token per step: the sliding layer's 4-slot ring wraps twice.
        using (var prefill = tiny.Model.Forward(TinyModelFixture.Sequence.AsSpan(0, 3), cache, allPositions: true))
        {
            var p = To2D(prefill);
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < p.GetLength(1); c++) Assert.Equal(full[r, c], p[r, c], 1e-5f);
        }
        for (int i = 3; i < TinyModelFixture.Sequence.Length; i++)
        {
            using var step = tiny.Model.Forward(TinyModelFixture.Sequence.AsSpan(i, 1), cache);
            var s = To2D(step);
            for (int c = 0; c < s.GetLength(1); c++)
                Assert.True(Math.Abs(full[i, c] - s[0, c]) <= 1e-5, $"position {i}, logit {c}: {full[i, c]} vs {s[0, c]}");
        }
        Assert.Equal(TinyModelFixture.Sequence.Length, cache.Length);
    }

    [Fact]
    public void A_prefill_longer_than_the_window_then_steps_equals_full_recompute()
    {
        var full = Logits(tiny.Model, TinyModelFixture.Sequence);
        using var cache = tiny.Model.CreateCache();
        tiny.Model.Forward(TinyModelFixture.Sequence.AsSpan(0, 9), cache).Dispose();
        for (int i = 9; i < TinyModelFixture.Sequence.Length; i++)
        {
            using var step = tiny.Model.Forward(TinyModelFixture.Sequence.AsSpan(i, 1), cache);
            var s = To2D(step);
            for (int c = 0; c < s.GetLength(1); c++) Assert.True(Math.Abs(full[i, c] - s[0, c]) <= 1e-5);
        }
    }

    [Fact]
    public void Sinks_at_minus_infinity_equal_plain_causal_attention()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        foreach (var layer in model.Weights.Layers)
        {
            var old = layer.Sinks;
            layer.Sinks = full_like(old, double.NegativeInfinity);
            old.Dispose();
        }
        var plain = new ReferenceGptOss(tiny.OriginalFolder) { WithoutSinks = true }.Forward(TinyModelFixture.Sequence);
        var withSinks = new ReferenceGptOss(tiny.OriginalFolder).Forward(TinyModelFixture.Sequence);
        var logits = Logits(model, TinyModelFixture.Sequence);
        Assert.True(MaxAbsDiff(logits, plain) <= Float32Tolerance, $"max abs diff {MaxAbsDiff(logits, plain):G3}");
        // ...and the sinks do matter for this model, so the check above is not vacuous.
        Assert.True(MaxAbsDiff(logits, withSinks) > 1e-2);
    }

    [Fact]
    public void Both_checkpoint_layouts_give_the_same_logits()
    {
        using var hf = GptOssModel.Load(tiny.HuggingFaceFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        using (var checkpoint = GptOssCheckpoint.Open(tiny.HuggingFaceFolder))
        {
            Assert.Equal(CheckpointLayout.HuggingFace, checkpoint.Layout);
            Assert.Equal(2, checkpoint.Tensors.Files.Count);
        }
        using (var checkpoint = GptOssCheckpoint.Open(tiny.OriginalFolder))
            Assert.Equal(CheckpointLayout.Original, checkpoint.Layout);
        Assert.Equal(tiny.Config with { SlidingLayers = null }, hf.Config with { SlidingLayers = null });
        Assert.Equal(0, MaxAbsDiff(Logits(tiny.Model, TinyModelFixture.Sequence), Logits(hf, TinyModelFixture.Sequence)));
    }

    [Fact]
    public void A_folder_holding_only_original_is_opened_there()
    {
        string root = Path.Combine(tiny.Root, "repo-" + Guid.NewGuid().ToString("N"));
        string original = Path.Combine(root, "original");
        TinyModelWriter.Write(original, CheckpointLayout.Original, 256, 1);
        using var checkpoint = GptOssCheckpoint.Open(root);
        Assert.Equal(CheckpointLayout.Original, checkpoint.Layout);
        Assert.Equal(original, checkpoint.Folder);
    }

    [Fact]
    public void Yarn_inverse_frequencies_match_the_published_gpt_oss_values()
    {
        var rope = new YarnRope(GptOssConfig.GptOss20B);
        Assert.Equal(1.34657, rope.Concentration, 5);
        Assert.Equal(1.0, rope.InvFreq[0], 6);
        Assert.Equal(0.0508133, rope.InvFreq[8], 6);
        Assert.Equal(0.0317057, rope.InvFreq[9], 6);
        Assert.Equal(1.29319e-4, rope.InvFreq[17], 8);
        Assert.Equal(3.83088e-5, rope.InvFreq[18], 9);
        Assert.Equal(3.02351e-7, rope.InvFreq[31], 11);
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_rejected_before_touching_the_cache()
    {
        using var cache = tiny.Model.CreateCache();
        var e = Assert.Throws<InvalidTokenException>(() => tiny.Model.Forward([1, 256], cache));
        Assert.Contains("256", e.Message);
        Assert.Equal(0, cache.Length);
    }
}

public sealed class KvCacheRewindTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    private static float[] Last(Tensor logits) => logits.data<float>().ToArray();

    [Fact]
    public void Rewinding_within_the_margin_then_taking_another_path_equals_recompute()
    {
        int[] other = [.. TinyModelFixture.Sequence[..7], 1, 2, 3, 4];
        using var fresh = tiny.Model.CreateCache();
        using var expected = tiny.Model.Forward(other, fresh);

        using var cache = tiny.Model.CreateCache(rewindMargin: 8);
        tiny.Model.Forward(TinyModelFixture.Sequence, cache).Dispose();
        Assert.True(cache.TruncateTo(7));
        Assert.Equal(7, cache.Length);
        using var actual = tiny.Model.Forward(other.AsSpan(7), cache);
        var e = Last(expected);
        var a = Last(actual);
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5, $"logit {i}: {e[i]} vs {a[i]}");
    }

    [Fact]
    public void A_ring_of_exactly_the_window_refuses_to_rewind_past_what_it_overwrote()
    {
        using var cache = tiny.Model.CreateCache();
        tiny.Model.Forward(TinyModelFixture.Sequence, cache).Dispose();
        Assert.False(cache.TruncateTo(6));
        Assert.Equal(TinyModelFixture.Sequence.Length, cache.Length);
        Assert.True(cache.TruncateTo(TinyModelFixture.Sequence.Length));
    }

    [Fact]
    public void The_decode_model_reuses_a_shared_prefix_and_recomputes_the_rest()
    {
        using var model = GptOssDecodeModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu);
        var logits = new float[256];
        model.Prefill(TinyModelFixture.Sequence, logits);
        int[] next = [.. TinyModelFixture.Sequence[..10], 77, 78];
        model.Prefill(next, logits);
        Assert.Equal(10, model.LastReusedTokens);
        Assert.Equal(next, model.CachedTokens);

        using var reference = tiny.Model.CreateCache();
        var expected = Last(tiny.Model.Forward(next, reference));
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-5);

        model.Prefill([9, 9, 9], logits); // nothing shared: starts over
        Assert.Equal(0, model.LastReusedTokens);
        Assert.Equal(new[] { 9, 9, 9 }, model.CachedTokens);
    }
}

public sealed class GreedyPathTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void The_on_device_greedy_pick_equals_the_host_argmax_of_the_same_logits()
    {
        using var onDevice = GptOssDecodeModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu);
        using var onHost = GptOssDecodeModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu);
        var logits = new float[256];
        int a = onDevice.PrefillGreedy(TinyModelFixture.Sequence[..5]);
        onHost.Prefill(TinyModelFixture.Sequence[..5], logits);
        int b = Campfire.Decoding.TokenSampler.ArgMax(logits);
        Assert.Equal(b, a);
        for (int i = 0; i < 6; i++)
        {
            a = onDevice.DecodeGreedy(a);
            onHost.Decode(b, logits);
            b = Campfire.Decoding.TokenSampler.ArgMax(logits);
            Assert.Equal(b, a);
        }
    }
}

public sealed class SlidingWindowTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    private string CopyWithConfig(Func<string, string> edit)
    {
        string folder = Path.Combine(tiny.Root, "variant-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(tiny.HuggingFaceFolder))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, edit(File.ReadAllText(config)));
        return folder;
    }

    private static float[] Logits(string folder)
    {
        using var model = GptOssModel.Load(folder, InferenceDevice.Cpu, ActivationDType.Float32);
        using var cache = model.CreateCache();
        using var logits = model.Forward(TinyModelFixture.Sequence, cache, allPositions: true);
        return logits.data<float>().ToArray();
    }

    [Fact]
    public void A_window_longer_than_the_sequence_makes_sliding_layers_equal_full_ones()
    {
        string wide = CopyWithConfig(c => c.Replace("\"sliding_window\": 4", "\"sliding_window\": 64"));
        string full = CopyWithConfig(c => c.Replace("\"sliding_attention\"", "\"full_attention\""));
        Assert.Equal(Logits(full), Logits(wide));
        // ...while the real window of 4 does change the result.
        Assert.NotEqual(Logits(full), Logits(tiny.HuggingFaceFolder));
    }
}
