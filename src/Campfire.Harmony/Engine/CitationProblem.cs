using System.Collections.Immutable;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>A citation in the final answer that does not check out (page never opened, lines out of range or never shown).</summary>
public sealed record CitationProblem(int Round, ResolvedCitation Citation) : EngineEvent(Round);
