using Campfire.Harmony.Engine;
using Campfire.Inference;
using Campfire.Inference.Runtime;

namespace Campfire.Cli.Engine;

/// <summary>
/// How <c>campfire demo --model DIR</c> loads a real model: a name for the demo header and a loader. The CLI uses
/// <see cref="TorchSharpCpu"/>; tests pass a stand-in so the demo's flow is tested without weights.
/// </summary>
/// <param name="Name">Short name shown in the demo header, e.g. "TorchSharp decode loop (CPU, float32)".</param>
/// <param name="Load">Loads the model in a folder; throws a <see cref="Campfire.Harmony.HarmonyException"/> naming the problem.</param>
internal sealed record LocalModel(string Name, Func<string, ITokenGenerator> Load)
{
    /// <summary>The TorchSharp decode loop on the CPU (float32), the same path as <c>campfire chat --model</c>. The
    /// loaded model lives as long as the process (the demo runs once and exits).</summary>
    public static LocalModel TorchSharpCpu { get; } = new(
        "TorchSharp decode loop (CPU, float32)",
        directory => GptOssDecodeModel.Load(directory, InferenceDevice.Cpu).CreateGenerator());

    /// <summary>The TorchSharp decode loop on the CPU with this activation precision (null: float32) and libtorch
    /// thread count (0: one per core).</summary>
    public static LocalModel TorchSharpCpuWith(ActivationDType? dtype, int threads) => dtype is null && threads == 0
        ? TorchSharpCpu
        : new($"TorchSharp decode loop (CPU, {(dtype == ActivationDType.BFloat16 ? "bfloat16" : "float32")}{(threads > 0 ? $", {threads} threads" : "")})",
            directory =>
            {
                TorchRuntime.SetCpuThreads(threads);
                return GptOssDecodeModel.Load(directory, InferenceDevice.Cpu, dtype).CreateGenerator();
            });
}
