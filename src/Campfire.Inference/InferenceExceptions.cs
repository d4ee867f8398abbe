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

/// <summary>A checkpoint folder that is not a gpt-oss model we can run (bad config, missing or misshapen tensor).</summary>
public sealed class ModelCheckpointException(string message) : HarmonyException(message);

/// <summary>The requested device or libtorch cannot be used (no CUDA libtorch, libtorch failed to load...).</summary>
public sealed class InferenceDeviceException(string message, Exception? inner = null) : HarmonyException(message, inner);

/// <summary>A token id the loaded model cannot take (outside its vocabulary).</summary>
public sealed class InvalidTokenException(string message) : HarmonyException(message);
