using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>A citation in the final answer that does not check out (page never opened, lines out of range or never
/// shown). Sent once per bad citation, just before the <see cref="FinalAnswer"/> that contains it.</summary>
/// <param name="Round">The model turn whose answer holds the citation (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Citation">The citation with its <see cref="ResolvedCitation.Status"/> (never
/// <see cref="CitationStatus.Valid"/>) and the <see cref="ResolvedCitation.Problem"/> in words.</param>
public sealed record CitationProblem(int Round, ResolvedCitation Citation) : EngineEvent(Round);
