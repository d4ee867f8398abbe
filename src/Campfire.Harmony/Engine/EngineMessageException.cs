namespace Campfire.Harmony.Engine;

/// <summary>A message or call that the engine cannot accept (a tool message without a tool name, tool calls on a
/// message that is not the assistant's...). Thrown by <see cref="HarmonyEngine.AddMessage"/>; the conversation is left
/// unchanged.</summary>
/// <param name="message">What is wrong with the message, for the developer who built it.</param>
public sealed class EngineMessageException(string message) : HarmonyException(message);
