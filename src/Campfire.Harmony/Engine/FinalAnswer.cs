using System.Collections.Immutable;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>The model's final answer, sent once, in the run's last round, before its <see cref="UsageReport"/>.</summary>
/// <param name="Round">The model turn that wrote the answer (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Message">The answer as it now stands in the conversation: the last assistant message of the turn on the
/// <c>final</c> channel (or on none) without tool calls.</param>
/// <param name="DisplayText">The answer, then a blank line and <see cref="HarmonyEngineOptions.FinalAnswerNote"/>
/// (e.g. a safety note) when one is set: ready to show. The conversation keeps the model's own words.</param>
/// <param name="Citations">Every citation in the answer, in order of appearance, checked against the browser's pages;
/// invalid ones were also sent as <see cref="CitationProblem"/>s.</param>
public sealed record FinalAnswer(int Round, HarmonyMessage Message, string DisplayText, ImmutableArray<ResolvedCitation> Citations)
    : EngineEvent(Round);
