using Campfire.Harmony;

namespace Campfire.Inference;

/// <summary>The requested device or libtorch cannot be used (no CUDA libtorch, libtorch failed to load...).</summary>
public sealed class InferenceDeviceException(string message, Exception? inner = null) : HarmonyException(message, inner);
