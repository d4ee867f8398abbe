using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

public sealed record ToolCallStarted(int Round, ToolCall Call) : EngineEvent(Round);
