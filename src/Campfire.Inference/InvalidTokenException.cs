using Campfire.Harmony;

namespace Campfire.Inference;

/// <summary>A token id the loaded model cannot take (outside its vocabulary).</summary>
public sealed class InvalidTokenException(string message) : HarmonyException(message);
