using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>The completion broke a rule of the format; it was parsed leniently and the run goes on.</summary>
public sealed record ParseDiagnostic(int Round, string Description) : EngineEvent(Round);
