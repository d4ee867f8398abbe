namespace Campfire.Harmony.Tools;

/// <summary>A tool reporting a problem with the call itself (unknown method, bad arguments, invalid cursor...).
/// Its message is written for the model to read and correct its next call: the engine passes it on as is, without the
/// exception type that it adds for other exceptions.</summary>
/// <param name="message">What was wrong with the call, addressed to the model.</param>
public sealed class ToolUsageException(string message) : HarmonyException(message);
