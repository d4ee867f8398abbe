using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>A tool reporting a problem with the call itself (unknown method, bad arguments, invalid cursor...).
/// Its message is written for the model to read and correct its next call.</summary>
public sealed class ToolUsageException(string message) : HarmonyException(message);
