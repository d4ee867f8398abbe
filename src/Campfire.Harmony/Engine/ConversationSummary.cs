using System.Collections.Immutable;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>The state of a conversation, for logs and dashboards.</summary>
/// <param name="ToolCallCount">Tool calls in the conversation as it is now (after trimming).</param>
/// <param name="RenderedTokenCount">Tokens of the conversation rendered for the assistant's next turn.</param>
/// <param name="CitationProblems">Citations of final answers in this conversation that did not check out.</param>
public sealed record ConversationSummary(
    int MessageCount,
    int ToolCallCount,
    ImmutableArray<string> RegisteredTools,
    int RenderedTokenCount,
    ImmutableDictionary<HarmonyRole, int> MessagesByRole,
    ImmutableArray<ResolvedCitation> CitationProblems,
    EngineUsage Usage);
