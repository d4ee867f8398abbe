using System.Collections.Immutable;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>The state of a conversation, for logs and dashboards (see <see cref="HarmonyEngine.GetConversationSummary"/>).</summary>
/// <param name="MessageCount">Messages in the conversation as it is now (after trimming), system and developer messages included.</param>
/// <param name="ToolCallCount">Tool calls in the conversation as it is now (after trimming).</param>
/// <param name="RegisteredTools">The <see cref="ToolConfig.RecipientPrefix"/> of every registered tool, in registration order.</param>
/// <param name="RenderedTokenCount">Tokens of the conversation rendered for the assistant's next turn.</param>
/// <param name="MessagesByRole">Message count per role; roles without messages are absent.</param>
/// <param name="CitationProblems">Citations of final answers that did not check out, since the engine was created or
/// last cleared (<see cref="HarmonyEngine.ClearConversation"/>); trimming does not remove them.</param>
/// <param name="Usage">Token counts and timings of every run since the engine was created or last cleared.</param>
public sealed record ConversationSummary(
    int MessageCount,
    int ToolCallCount,
    ImmutableArray<string> RegisteredTools,
    int RenderedTokenCount,
    ImmutableDictionary<HarmonyRole, int> MessagesByRole,
    ImmutableArray<ResolvedCitation> CitationProblems,
    EngineUsage Usage);
