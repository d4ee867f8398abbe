namespace Campfire.Harmony.Engine;

/// <summary>The engine could not render the conversation; <see cref="Exception.InnerException"/> holds the cause.</summary>
public sealed class EngineRenderException(string message, Exception? inner) : HarmonyException(message, inner);

/// <summary>A message or call that the engine cannot accept (a tool message without a tool name, a result for an unknown call...).</summary>
public sealed class EngineMessageException(string message) : HarmonyException(message);
