namespace Campfire.Harmony.Engine;

/// <summary>The engine could not render the conversation for the model (e.g. a tool's schema or a message the
/// renderer rejects); <see cref="Exception.InnerException"/> holds the cause.</summary>
/// <param name="message">What failed, with the cause's message.</param>
/// <param name="inner">The renderer's exception; null when there is none.</param>
public sealed class EngineRenderException(string message, Exception? inner) : HarmonyException(message, inner);
