namespace Campfire.Harmony.Engine;

/// <summary>A message or call that the engine cannot accept (a tool message without a tool name, a result for an unknown call...).</summary>
public sealed class EngineMessageException(string message) : HarmonyException(message);
