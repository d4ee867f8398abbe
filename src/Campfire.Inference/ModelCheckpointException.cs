using Campfire.Harmony;

namespace Campfire.Inference;

/// <summary>A checkpoint folder that is not a gpt-oss model we can run (bad config, missing or misshapen tensor).</summary>
public sealed class ModelCheckpointException(string message) : HarmonyException(message);
