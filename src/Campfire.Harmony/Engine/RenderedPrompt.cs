using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>The prompt for the assistant's next turn and the ids that end that turn.</summary>
/// <param name="PrefillIds">The whole conversation as token ids, ending in <c>&lt;|start|&gt;assistant</c>: give all of
/// it to the generator.</param>
/// <param name="StopIds">The ids that end the assistant's turn: <c>&lt;|return|&gt;</c> (after a final answer) and
/// <c>&lt;|call|&gt;</c> (after a tool call).</param>
public sealed record RenderedPrompt(ImmutableArray<int> PrefillIds, ImmutableArray<int> StopIds);
