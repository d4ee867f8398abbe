namespace Campfire.Harmony.Engine;

/// <summary>A whole message the model wrote, parsed from the finished turn and now part of the conversation. A tool call
/// arrives as an assistant message with one <see cref="HarmonyMessage.ToolCalls"/> entry and empty content.</summary>
/// <param name="Round">The model turn that wrote it (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Message">The message as it was appended to <see cref="HarmonyEngine.Messages"/>.</param>
public sealed record MessageCompleted(int Round, HarmonyMessage Message) : EngineEvent(Round);
