namespace Campfire.Harmony.Engine;

/// <summary>Token counts and timings of one model turn, sent at the end of every round; the whole run's totals come
/// with <see cref="RunCompleted"/>.</summary>
/// <param name="Round">The model turn measured (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Usage">That turn's usage (<see cref="EngineUsage.Rounds"/> is 1).</param>
public sealed record UsageReport(int Round, EngineUsage Usage) : EngineEvent(Round);
