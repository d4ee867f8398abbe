namespace Campfire.Harmony.Engine;

/// <summary>The last event of a run.</summary>
/// <param name="Round">The last model turn of the run, which is also how many turns it took.</param>
/// <param name="Reason">Why the run stopped.</param>
/// <param name="Usage">Token counts and timings of the whole run (the sum of its <see cref="UsageReport"/>s).</param>
public sealed record RunCompleted(int Round, StopReason Reason, EngineUsage Usage) : EngineEvent(Round);
