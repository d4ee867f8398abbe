using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>A tool answered (or failed: <see cref="ToolResult.IsError"/>); the result is now part of the conversation.</summary>
/// <param name="Round">The model turn that made the call (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Call">The call, as in the preceding <see cref="ToolCallStarted"/>.</param>
/// <param name="Result">What the tool answered, or the error the model will read.</param>
/// <param name="Elapsed">Time spent executing the call.</param>
public sealed record ToolCallFinished(int Round, ToolCall Call, ToolResult Result, TimeSpan Elapsed) : EngineEvent(Round);
