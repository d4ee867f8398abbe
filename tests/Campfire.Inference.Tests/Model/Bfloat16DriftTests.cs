using Campfire.Decoding;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;

namespace Campfire.Inference.Tests.Model;

/// <summary>
/// How far greedy bfloat16 decoding strays from the float64 reference model: at each step, the reference's top logit
/// minus its logit for the token bfloat16 chose, in standard deviations of the reference's logits (0 when both agree).
/// </summary>
public sealed class Bfloat16DriftTests(TinyModelFixture tiny, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    private const int Steps = 12;

    // The README's Harmony prompt: <|start|>user<|message|>Hello<|end|><|start|>assistant
    private static readonly int[] HarmonyPrompt = [200006, 1428, 200008, 13225, 200007, 200006, 173781];

    [Theory]
    [InlineData(256, 7UL)]
    [InlineData(201088, 0UL)]
    [InlineData(201088, 1UL)]
    public void Greedy_bfloat16_stays_within_a_small_drift_of_the_float64_reference(int vocabulary, ulong seed)
    {
        var folder = Path.Combine(tiny.Root, $"drift-{vocabulary}-{seed}");
        if (!Directory.Exists(folder)) TinyModelWriter.Write(folder, CheckpointLayout.Original, vocabulary, seed);
        using var model = GptOssDecodeModel.Load(folder, InferenceDevice.Cpu, ActivationDType.BFloat16);
        var reference = new ReferenceGptOss(folder);
        var sequence = new List<int>(vocabulary > 200_000 ? HarmonyPrompt : TinyModelFixture.Sequence[..5]);
        var logits = new float[model.VocabularySize];
        model.Prefill(sequence.ToArray(), logits);
        var worst = 0.0;
        for (int step = 0; step < Steps; step++)
        {
            int chosen = TokenSampler.ArgMax(logits);
            var truth = reference.Forward(sequence)[^1];
            var mean = truth.Average();
            var sd = Math.Sqrt(truth.Sum(v => (v - mean) * (v - mean)) / truth.Length);
            var drift = (truth.Max() - truth[chosen]) / sd;
            worst = Math.Max(worst, drift);
            sequence.Add(chosen);
            model.Decode(chosen, logits);
        }
        output.WriteLine($"vocabulary {vocabulary}, seed {seed}: worst bfloat16 drift over {Steps} greedy steps: {worst:F3} sd");
        Assert.True(worst <= 0.25, $"bfloat16 strayed {worst:F3} sd below the reference's top logit");
    }
}
