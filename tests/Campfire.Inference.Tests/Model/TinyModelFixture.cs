using Campfire.Inference.Model;
using Campfire.Inference.Runtime;

namespace Campfire.Inference.Tests.Model;

/// <summary>One tiny random checkpoint (vocab 256) in both layouts, written to a temp folder once per test class.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public const ulong Seed = 7;

    public TinyModelFixture()
    {
        TorchRuntime.SetCpuThreads(1); // many small ops: one thread avoids OpenMP spin-waits on a busy CI machine
        Root = Path.Combine(Path.GetTempPath(), "campfire-tiny-" + Guid.NewGuid().ToString("N"));
        OriginalFolder = Path.Combine(Root, "original");
        HuggingFaceFolder = Path.Combine(Root, "hf");
        Config = TinyModelWriter.Write(OriginalFolder, CheckpointLayout.Original, 256, Seed);
        TinyModelWriter.Write(HuggingFaceFolder, CheckpointLayout.HuggingFace, 256, Seed);
        Model = GptOssModel.Load(OriginalFolder, InferenceDevice.Cpu, ActivationDType.Float32);
    }

    public string Root { get; }
    public string OriginalFolder { get; }
    public string HuggingFaceFolder { get; }
    public GptOssConfig Config { get; }
    public GptOssModel Model { get; }

    /// <summary>A fixed 12-token sequence: three times the sliding window of 4.</summary>
    public static int[] Sequence { get; } = [5, 17, 200, 3, 99, 42, 42, 7, 255, 0, 128, 64];

    /// <summary>
    /// Prefill of <paramref name="prefill"/> tokens of <see cref="Sequence"/>, then one token per step with the model's
    /// kernel attention and fused experts on or off: each step's logits. The model's switches are restored after.
    /// </summary>
    public static float[][] DecodeSteps(GptOssModel model, bool kernelAttention, bool fusedExperts, int prefill = 3)
    {
        model.UseKernelAttention = kernelAttention;
        model.UseFusedExperts = fusedExperts;
        try
        {
            using var cache = model.CreateCache();
            using (model.Forward(Sequence.AsSpan(0, prefill), cache)) { }
            var steps = new float[Sequence.Length - prefill][];
            for (int i = prefill; i < Sequence.Length; i++)
            {
                using TorchSharp.torch.Tensor logits = model.Forward(Sequence.AsSpan(i, 1), cache);
                steps[i - prefill] = logits.data<float>().ToArray();
            }
            return steps;
        }
        finally
        {
            model.UseKernelAttention = true;
            model.UseFusedExperts = true;
        }
    }

    /// <summary>
    /// <paramref name="count"/> tokens' random fp32 activations [count, H] and a random routing: each token's k distinct
    /// experts with router weights in [0, 1).
    /// </summary>
    public static (float[] Input, long[] Chosen, float[] Weights) RandomRouting(GptOssConfig c, Random random, int count)
    {
        int h = c.HiddenSize, k = c.ExpertsPerToken;
        var input = new float[count * h];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
        var chosen = new long[count * k];
        var weights = new float[count * k];
        for (int t = 0; t < count; t++)
        {
            var ids = Enumerable.Range(0, c.NumExperts).OrderBy(_ => random.Next()).Take(k).ToArray();
            for (int s = 0; s < k; s++)
            {
                chosen[t * k + s] = ids[s];
                weights[t * k + s] = (float)random.NextDouble();
            }
        }
        return (input, chosen, weights);
    }

    public void Dispose()
    {
        Model.Dispose();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
