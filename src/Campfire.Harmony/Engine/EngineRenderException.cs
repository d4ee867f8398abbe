namespace Campfire.Harmony.Engine;

/// <summary>The engine could not render the conversation; <see cref="Exception.InnerException"/> holds the cause.</summary>
public sealed class EngineRenderException(string message, Exception? inner) : HarmonyException(message, inner);
