using Campfire.Harmony;

namespace Campfire.Inference;

/// <summary>A safetensors file or index that is malformed: names the file and, where known, the tensor.</summary>
public sealed class SafetensorsFormatException : HarmonyException
{
    public SafetensorsFormatException(string path, string? tensorName, string problem)
        : base(tensorName is null ? $"{path}: {problem}" : $"{path}: tensor '{tensorName}': {problem}")
    {
        FilePath = path;
        TensorName = tensorName;
    }

    public string FilePath { get; }
    public string? TensorName { get; }
}
