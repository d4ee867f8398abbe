using Campfire.Harmony;

namespace Campfire.Decoding;

/// <summary>The model produced logits that cannot be sampled (NaN, all −∞), or the sampling settings are invalid.</summary>
public sealed class SamplingException(string message) : HarmonyException(message);
