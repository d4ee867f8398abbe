using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>The last event of a run.</summary>
public sealed record RunCompleted(int Round, StopReason Reason, EngineUsage Usage) : EngineEvent(Round);
