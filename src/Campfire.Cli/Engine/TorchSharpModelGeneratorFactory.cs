using Campfire.Harmony.Engine;
using Campfire.Inference;
using Campfire.Inference.Runtime;

namespace Campfire.Cli.Engine;

/// <summary>
/// <c>campfire demo --model DIR</c>: the TorchSharp decode loop on the CPU (float32), the same path as <c>campfire chat</c>.
/// The loaded model lives as long as the process (the demo runs once and exits).
/// </summary>
public sealed class TorchSharpModelGeneratorFactory : IModelGeneratorFactory
{
    public string Name => "TorchSharp decode loop (CPU, float32)";

    public ITokenGenerator Create(string modelDirectory) =>
        GptOssDecodeModel.Load(modelDirectory, InferenceDevice.Cpu).CreateGenerator();
}
