using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>The engine is about to execute a tool call the model made; a <see cref="ToolCallFinished"/> for it follows
/// (unless the run is cancelled).</summary>
/// <param name="Round">The model turn that made the call (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Call">The call, with the call id its result will carry.</param>
public sealed record ToolCallStarted(int Round, ToolCall Call) : EngineEvent(Round);
