using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using Campfire.Kernels;
using static TorchSharp.torch;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// The decode path's fused MXFP4 experts (Campfire.Kernels, straight from the bytes) against the torch path that
/// dequantises the selected experts, step by step on the tiny checkpoint, in both activation dtypes.
/// </summary>
public sealed class FusedExpertsTests(TinyModelFixture tiny, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void The_kernel_reads_the_same_E2M1_table_as_the_reference_dequantisation()
    {
        Assert.Equal(Mxfp4.Fp4Values.ToArray(), Mxfp4MatVec.Fp4Values.ToArray());
    }

    /// <summary>
    /// The fused path reads each expert where the tensor keeps it: TorchSharp's <c>Tensor.bytes</c> must be a view of a
    /// CPU tensor's memory, not a copy (a copy would be correct but read and write every expert of a layer per token).
    /// </summary>
    [Fact]
    public unsafe void Tensor_bytes_is_a_view_of_cpu_tensor_memory_not_a_copy()
    {
        using var t = zeros([1000], ScalarType.Byte);
        fixed (byte* first = t.bytes)
        fixed (byte* second = t.bytes)
            Assert.True(first == second);
        t.bytes[3] = 42;
        Assert.Equal(42, t[3].item<byte>());
    }

    /// <summary>
    /// float32: the two paths differ only in summation order inside the expert matmuls, so the logits agree to the
    /// float32 decode tolerance of the other model tests (1e-5 absolute; logits reach about ±2).
    /// </summary>
    [Fact]
    public void Float32_decode_steps_give_the_torch_paths_logits_within_1e_5()
    {
        var (maxDiff, samePicks) = CompareDecodePaths(ActivationDType.Float32);
        output.WriteLine($"float32 fused vs torch experts: max abs logit diff {maxDiff:G3}");
        Assert.True(maxDiff <= 1e-5, $"max abs diff {maxDiff:G3}");
        Assert.True(samePicks);
    }

    /// <summary>
    /// bfloat16: the torch path rounds each expert's hidden and SwiGLU output to bf16 (2⁻⁸ relative) where the kernel
    /// keeps fp32, so they may differ by a few bf16 roundings of the MoE output; the bound is the one the bf16 model
    /// keeps against the float64 reference (0.05 absolute), and the greedy picks must agree.
    /// </summary>
    [Fact]
    public void Bfloat16_decode_steps_give_the_torch_paths_logits_within_the_bf16_tolerance()
    {
        var (maxDiff, samePicks) = CompareDecodePaths(ActivationDType.BFloat16);
        output.WriteLine($"bfloat16 fused vs torch experts: max abs logit diff {maxDiff:G3}");
        Assert.True(maxDiff < 0.05, $"max abs diff {maxDiff:G3}");
        Assert.True(samePicks);
    }

    [Fact]
    public void Float32_decode_with_fused_experts_matches_the_float64_reference_and_its_greedy_tokens()
    {
        var reference = new ReferenceGptOss(tiny.OriginalFolder).Forward(TinyModelFixture.Sequence);
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        Assert.True(model.UseFusedExperts);
        Assert.True(model.UsesCpuDecodeStep);   // the default one-token path: no tensor operations
        var steps = DecodeSteps(model, fused: true);
        double maxDiff = 0;
        for (int i = 0; i < steps.Length; i++)
        {
            var row = reference[Prefill + i];
            maxDiff = Math.Max(maxDiff, row.Zip(steps[i], (a, b) => Math.Abs(a - b)).Max());
            Assert.Equal(Array.IndexOf(row, row.Max()), Array.IndexOf(steps[i], steps[i].Max()));
        }
        output.WriteLine($"float32 fused decode vs float64 reference: max abs logit diff {maxDiff:G3}");
        Assert.True(maxDiff <= 1e-5, $"max abs diff {maxDiff:G3}");
    }

    /// <summary>
    /// Prefill on the CPU runs an expert that few prompt tokens chose (at most
    /// <see cref="GptOssModel.FusedPrefillMaxTokens"/>) through the kernel once per token instead of dequantising it;
    /// every position's logits stay within the float32 tolerance of the torch path and of the float64 reference.
    /// </summary>
    [Fact]
    public void Float32_prefill_with_fused_expert_rows_matches_the_torch_path_and_the_float64_reference()
    {
        var reference = new ReferenceGptOss(tiny.OriginalFolder).Forward(TinyModelFixture.Sequence);
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
        var fused = PrefillAllPositions(model, fused: true);
        var torchPath = PrefillAllPositions(model, fused: false);
        double toTorch = 0, toReference = 0;
        for (int i = 0; i < fused.Length; i++)
        {
            toTorch = Math.Max(toTorch, fused[i].Zip(torchPath[i], (a, b) => (double)Math.Abs(a - b)).Max());
            toReference = Math.Max(toReference, fused[i].Zip(reference[i], (a, b) => Math.Abs(a - b)).Max());
        }
        output.WriteLine($"float32 prefill, fused rows vs torch path {toTorch:G3}, vs float64 reference {toReference:G3}");
        Assert.True(toTorch <= 1e-5, $"fused vs torch: max abs diff {toTorch:G3}");
        Assert.True(toReference <= 1e-5, $"fused vs reference: max abs diff {toReference:G3}");
    }

    private static float[][] PrefillAllPositions(GptOssModel model, bool fused)
    {
        bool before = model.UseFusedExperts;
        model.UseFusedExperts = fused;
        try
        {
            using var cache = model.CreateCache();
            using Tensor logits = model.Forward(TinyModelFixture.Sequence, cache, allPositions: true);
            int vocabulary = (int)logits.shape[^1];
            float[] all = logits.data<float>().ToArray();
            return Enumerable.Range(0, all.Length / vocabulary).Select(i => all.AsSpan(i * vocabulary, vocabulary).ToArray()).ToArray();
        }
        finally
        {
            model.UseFusedExperts = before;
        }
    }

    private const int Prefill = 3;

    private (double MaxDiff, bool SamePicks) CompareDecodePaths(ActivationDType dtype)
    {
        using var model = GptOssModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu, dtype);
        var fused = DecodeSteps(model, fused: true);
        var torchPath = DecodeSteps(model, fused: false);
        double maxDiff = 0;
        bool samePicks = true;
        for (int i = 0; i < fused.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, fused[i].Zip(torchPath[i], (a, b) => (double)Math.Abs(a - b)).Max());
            samePicks &= Array.IndexOf(fused[i], fused[i].Max()) == Array.IndexOf(torchPath[i], torchPath[i].Max());
        }
        return (maxDiff, samePicks);
    }

    /// <summary>Prefill of 3 tokens, then one token per step: the logits of each step (both on the path chosen).</summary>
    private static float[][] DecodeSteps(GptOssModel model, bool fused) =>
        TinyModelFixture.DecodeSteps(model, kernelAttention: true, fusedExperts: fused, Prefill);
}
