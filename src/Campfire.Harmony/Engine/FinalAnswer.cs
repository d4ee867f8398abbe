using System.Collections.Immutable;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>The model's final answer, its citations resolved, and <paramref name="DisplayText"/>: the answer plus the
/// engine's <see cref="HarmonyEngineOptions.FinalAnswerNote"/> (e.g. a safety note), ready to show.</summary>
public sealed record FinalAnswer(int Round, HarmonyMessage Message, string DisplayText, ImmutableArray<ResolvedCitation> Citations)
    : EngineEvent(Round);
