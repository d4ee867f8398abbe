using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using static TorchSharp.torch;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// One-token steps on the CPU without tensor operations (<see cref="CpuForwardPass"/>: kernel attention over the cache's
/// storage, fused experts, bf16 unembedding) against the torch formulation of the same model, step by step through the
/// tiny checkpoint's sliding window (4) and its ring, in both layouts and activation dtypes, and after a rewind.
/// </summary>
public sealed class CpuDecodeStepTests(TinyModelFixture tiny, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    private const int Prefill = 3;

    public enum Path { CpuStep, KernelAttentionWithTorchExperts, Torch }

    [Fact]
    public void A_cpu_model_with_bf16_dense_weights_takes_the_cpu_step_by_default()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        Assert.True(model.UseKernelAttention);
        Assert.True(model.UsesCpuDecodeStep);
        model.UseFusedExperts = false;
        Assert.False(model.UsesCpuDecodeStep);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32_steps_give_the_torch_paths_logits_within_1e_5_and_its_greedy_picks(bool huggingFaceLayout)
    {
        using var model = GptOssModel.Load(huggingFaceLayout ? tiny.HuggingFaceFolder : tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        var torchPath = DecodeSteps(model, Path.Torch);
        foreach (var path in new[] { Path.CpuStep, Path.KernelAttentionWithTorchExperts })
        {
            var (maxDiff, samePicks) = Compare(DecodeSteps(model, path), torchPath);
            output.WriteLine($"float32 {path} vs torch (hf layout {huggingFaceLayout}): max abs logit diff {maxDiff:G3}");
            Assert.True(maxDiff <= 1e-5, $"{path}: max abs diff {maxDiff:G3}");
            Assert.True(samePicks, path.ToString());
        }
    }

    /// <summary>The torch path rounds its bf16 expert hidden layer where the fused experts keep fp32 (see
    /// <see cref="FusedExpertsTests"/>); the bound is the bf16 model's bound against the float64 reference.</summary>
    [Fact]
    public void Bfloat16_steps_give_the_torch_paths_logits_within_the_bf16_tolerance()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.BFloat16);
        var torchPath = DecodeSteps(model, Path.Torch);
        foreach (var path in new[] { Path.CpuStep, Path.KernelAttentionWithTorchExperts })
        {
            var (maxDiff, samePicks) = Compare(DecodeSteps(model, path), torchPath);
            output.WriteLine($"bfloat16 {path} vs torch: max abs logit diff {maxDiff:G3}");
            Assert.True(maxDiff < 0.05, $"{path}: max abs diff {maxDiff:G3}");
            Assert.True(samePicks, path.ToString());
        }
    }

    /// <summary>
    /// A rewind (a new turn that re-renders the end of the last completion) truncates the cache and steps again from
    /// there: the keys the CPU step wrote into the storage and the positions it recorded must serve the torch path's
    /// prefill and the CPU step alike, on full and sliding (ring) layers.
    /// </summary>
    [Fact]
    public void After_a_rewind_both_paths_continue_from_the_same_cache_with_the_same_logits()
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        var seq = TinyModelFixture.Sequence;
        float[] Run(bool cpuStep)
        {
            model.UseKernelAttention = cpuStep;
            using var cache = model.CreateCache(rewindMargin: 4);
            using (model.Forward(seq.AsSpan(0, 2), cache)) { }
            for (int i = 2; i < 9; i++) using (model.Forward(seq.AsSpan(i, 1), cache)) { }
            Assert.True(cache.TruncateTo(6));
            using (model.Forward(seq.AsSpan(6, 2), cache)) { }   // a two-token prompt tail: torch path
            using (model.Forward([seq[8]], cache)) { }
            using Tensor logits = model.Forward([seq[9]], cache);
            return logits.data<float>().ToArray();
        }
        try
        {
            var cpu = Run(cpuStep: true);
            var torchPath = Run(cpuStep: false);
            double maxDiff = cpu.Zip(torchPath, (a, b) => (double)Math.Abs(a - b)).Max();
            output.WriteLine($"after a rewind: max abs logit diff {maxDiff:G3}");
            Assert.True(maxDiff <= 1e-5, $"max abs diff {maxDiff:G3}");
        }
        finally
        {
            model.UseKernelAttention = true;
        }
    }

    [Fact]
    public void The_model_compiles_its_cpu_pass_and_touches_its_dense_weights_in_the_background_and_stops_before_it_is_disposed()
    {
        var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        var prefetcher = model.Prefetcher;
        Assert.NotNull(prefetcher);
        long expected = model.Weights.Unembedding.NumberOfElements * 2 +
                        model.Weights.Layers.Sum(l => (l.QkvWeight.NumberOfElements + l.OutWeight.NumberOfElements) * 2);
        Assert.Equal(expected, prefetcher.Bytes);
        prefetcher.Wait();
        Assert.NotNull(prefetcher.Elapsed);
        int compiled = CpuPassWarmup.Wait();
        Assert.True(compiled > 50, $"{compiled} methods of the CPU pass compiled ahead");
        model.Dispose();   // waits for the thread before the mapping goes (it has finished here; the next one may not)

        using var second = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        second.Dispose();
    }

    [Theory]
    [InlineData(ActivationDType.Float32)]
    [InlineData(ActivationDType.BFloat16)]
    public void After_the_warm_up_a_first_prefill_compiles_almost_nothing_on_its_own_thread(ActivationDType dtype)
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, dtype);
        CpuPassWarmup.Wait();
        using var cache = model.CreateCache();
        long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        using (model.Forward([1, 17, 42, 99, 200, 7, 3], cache)) { }
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - before;
        output.WriteLine($"{dtype}: {compiled} methods compiled on the prefill's thread");
        // ~45 before the warm-up called the generic library code the pass instantiates (array pool, fill, vector exp...);
        // what is left are a few tiny helpers (inline-array accessors, nullable constructors).
        Assert.True(compiled <= 12, $"{compiled} methods compiled on the prefill's thread");
    }

    private static (double MaxDiff, bool SamePicks) Compare(float[][] a, float[][] b)
    {
        double maxDiff = 0;
        bool samePicks = true;
        for (int i = 0; i < a.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, a[i].Zip(b[i], (x, y) => (double)Math.Abs(x - y)).Max());
            samePicks &= Array.IndexOf(a[i], a[i].Max()) == Array.IndexOf(b[i], b[i].Max());
        }
        return (maxDiff, samePicks);
    }

    /// <summary>Prefill of 3 tokens (torch), then one token per step on <paramref name="path"/>: each step's logits.</summary>
    private static float[][] DecodeSteps(GptOssModel model, Path path)
    {
        model.UseKernelAttention = path != Path.Torch;
        model.UseFusedExperts = path == Path.CpuStep;
        Assert.Equal(path == Path.CpuStep, model.UsesCpuDecodeStep);
        return TinyModelFixture.DecodeSteps(model, kernelAttention: path != Path.Torch, fusedExperts: path == Path.CpuStep, Prefill);
    }
}
