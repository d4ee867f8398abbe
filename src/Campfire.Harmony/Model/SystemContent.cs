using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>
/// The content of the system message. <c>new SystemContent()</c> holds the reference's defaults (its identity line,
/// medium effort, cutoff 2024-06, the three channels, channel required); each field may be null, meaning "not rendered".
/// JSON reading sets only the fields present, so a missing field there is null, not the default.
/// </summary>
public sealed record SystemContent : Content
{
    /// <summary>The reference's identity line, the first line of the default system message.</summary>
    public const string DefaultModelIdentity = "You are ChatGPT, a large language model trained by OpenAI.";

    /// <summary>The reference's default knowledge cutoff (year-month).</summary>
    public const string DefaultKnowledgeCutoff = "2024-06";

    /// <summary>The first line of the system message; null leaves it out.</summary>
    public string? ModelIdentity { get; init; } = DefaultModelIdentity;

    /// <summary>Rendered as <c>Reasoning: low|medium|high</c>; null leaves the line out.</summary>
    public ReasoningEffort? ReasoningEffort { get; init; } = Model.ReasoningEffort.Medium;

    /// <summary>Rendered as <c>Current date: ...</c> (the text as given, e.g. 2025-06-28); null (the default) leaves it out.</summary>
    public string? ConversationStartDate { get; init; }

    /// <summary>Rendered as <c>Knowledge cutoff: ...</c>; null leaves it out.</summary>
    public string? KnowledgeCutoff { get; init; } = DefaultKnowledgeCutoff;

    /// <summary>The <c># Valid channels</c> line; null (or no channels) leaves it out.</summary>
    public ChannelConfig? ChannelConfig { get; init; } = ChannelConfig.Default;

    /// <summary>Tool namespaces by key, in the reference's order (code-point order of the keys).</summary>
    public ImmutableSortedDictionary<string, ToolNamespaceConfig>? Tools { get; init; }

    /// <summary>The reference's defaults.</summary>
    public static SystemContent Default { get; } = new();

    /// <summary>Every field null: renders nothing.</summary>
    public static SystemContent Empty { get; } = new()
    {
        ModelIdentity = null, ReasoningEffort = null, KnowledgeCutoff = null, ChannelConfig = null,
    };

    /// <summary>A copy with <paramref name="modelIdentity"/> as the first line (null: none).</summary>
    public SystemContent WithModelIdentity(string? modelIdentity) => this with { ModelIdentity = modelIdentity };

    /// <summary>A copy with <paramref name="effort"/> (null: no reasoning line).</summary>
    public SystemContent WithReasoningEffort(ReasoningEffort? effort) => this with { ReasoningEffort = effort };

    /// <summary>A copy with <paramref name="date"/> as the current date (null: none).</summary>
    public SystemContent WithConversationStartDate(string? date) => this with { ConversationStartDate = date };

    /// <summary>A copy with <paramref name="cutoff"/> as the knowledge cutoff (null: none).</summary>
    public SystemContent WithKnowledgeCutoff(string? cutoff) => this with { KnowledgeCutoff = cutoff };

    /// <summary>A copy with <paramref name="config"/> (null: no channels line).</summary>
    public SystemContent WithChannelConfig(ChannelConfig? config) => this with { ChannelConfig = config };

    /// <summary>A copy declaring <paramref name="channels"/>, with a channel required on every message.</summary>
    public SystemContent WithRequiredChannels(params IEnumerable<string> channels) => this with { ChannelConfig = ChannelConfig.RequireChannels(channels) };

    /// <summary>A copy with the namespace <paramref name="ns"/> set under its name (replacing one of the same name).</summary>
    public SystemContent WithTools(ToolNamespaceConfig ns) => this with { Tools = ToolNamespaceMap.With(Tools, ns) };

    /// <summary>A copy with exactly these namespaces (null removes all).</summary>
    public SystemContent WithTools(ImmutableSortedDictionary<string, ToolNamespaceConfig>? tools) => this with { Tools = tools };

    /// <summary>A copy with the built-in <see cref="ToolNamespaceConfig.Browser"/> namespace added.</summary>
    public SystemContent WithBrowserTool() => WithTools(ToolNamespaceConfig.Browser);

    /// <summary>A copy with the built-in <see cref="ToolNamespaceConfig.Python"/> namespace added.</summary>
    public SystemContent WithPythonTool() => WithTools(ToolNamespaceConfig.Python);

    /// <summary>Value equality: equal fields (strings ordinal) and equal namespaces under the same keys.</summary>
    public bool Equals(SystemContent? other) =>
        other is not null
        && string.Equals(ModelIdentity, other.ModelIdentity, StringComparison.Ordinal)
        && ReasoningEffort == other.ReasoningEffort
        && string.Equals(ConversationStartDate, other.ConversationStartDate, StringComparison.Ordinal)
        && string.Equals(KnowledgeCutoff, other.KnowledgeCutoff, StringComparison.Ordinal)
        && Equals(ChannelConfig, other.ChannelConfig)
        && ToolNamespaceMap.MapsEqual(Tools, other.Tools);

    /// <summary>A hash consistent with <see cref="Equals(SystemContent?)"/>.</summary>
    public override int GetHashCode() =>
        HashCode.Combine(ModelIdentity, ReasoningEffort, ConversationStartDate, KnowledgeCutoff, ChannelConfig, Tools?.Count);
}
