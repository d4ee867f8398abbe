using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>Token counts and timings of one model turn, or of the whole run when sent with <see cref="RunCompleted"/>.</summary>
public sealed record UsageReport(int Round, EngineUsage Usage) : EngineEvent(Round);
