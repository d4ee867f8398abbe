using System.Collections.Immutable;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>A tool answered (or failed: <see cref="ToolResult.IsError"/>); the result is now part of the conversation.</summary>
public sealed record ToolCallFinished(int Round, ToolCall Call, ToolResult Result, TimeSpan Elapsed) : EngineEvent(Round);
