namespace Campfire.Harmony.Engine;

/// <summary>The completion broke a rule of the format; it was parsed leniently and the run goes on. Also sent when the
/// streaming parser gave up on a turn (no more <see cref="ContentDelta"/>s for it; the whole turn is still parsed).</summary>
/// <param name="Round">The model turn whose completion was malformed (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Description">What was wrong and how it was repaired, in words (for logs, not for parsing).</param>
public sealed record ParseDiagnostic(int Round, string Description) : EngineEvent(Round);
