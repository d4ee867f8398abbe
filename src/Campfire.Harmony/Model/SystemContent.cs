using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>
/// The content of the system message. <c>new SystemContent()</c> holds the reference's defaults (its identity line,
/// medium effort, cutoff 2024-06, the three channels, channel required); each field may be null, meaning "not rendered".
/// JSON reading sets only the fields present, so a missing field there is null, not the default.
/// </summary>
public sealed record SystemContent : Content
{
    public const string DefaultModelIdentity = "You are ChatGPT, a large language model trained by OpenAI.";
    public const string DefaultKnowledgeCutoff = "2024-06";

    public string? ModelIdentity { get; init; } = DefaultModelIdentity;
    public ReasoningEffort? ReasoningEffort { get; init; } = Model.ReasoningEffort.Medium;
    public string? ConversationStartDate { get; init; }
    public string? KnowledgeCutoff { get; init; } = DefaultKnowledgeCutoff;
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

    public SystemContent WithModelIdentity(string? modelIdentity) => this with { ModelIdentity = modelIdentity };
    public SystemContent WithReasoningEffort(ReasoningEffort? effort) => this with { ReasoningEffort = effort };
    public SystemContent WithConversationStartDate(string? date) => this with { ConversationStartDate = date };
    public SystemContent WithKnowledgeCutoff(string? cutoff) => this with { KnowledgeCutoff = cutoff };
    public SystemContent WithChannelConfig(ChannelConfig? config) => this with { ChannelConfig = config };
    public SystemContent WithRequiredChannels(params IEnumerable<string> channels) => this with { ChannelConfig = ChannelConfig.RequireChannels(channels) };
    public SystemContent WithTools(ToolNamespaceConfig ns) => this with { Tools = ToolNamespaceMap.With(Tools, ns) };
    public SystemContent WithTools(ImmutableSortedDictionary<string, ToolNamespaceConfig>? tools) => this with { Tools = tools };
    public SystemContent WithBrowserTool() => WithTools(ToolNamespaceConfig.Browser);
    public SystemContent WithPythonTool() => WithTools(ToolNamespaceConfig.Python);

    public bool Equals(SystemContent? other) =>
        other is not null
        && string.Equals(ModelIdentity, other.ModelIdentity, StringComparison.Ordinal)
        && ReasoningEffort == other.ReasoningEffort
        && string.Equals(ConversationStartDate, other.ConversationStartDate, StringComparison.Ordinal)
        && string.Equals(KnowledgeCutoff, other.KnowledgeCutoff, StringComparison.Ordinal)
        && Equals(ChannelConfig, other.ChannelConfig)
        && ToolNamespaceMap.MapsEqual(Tools, other.Tools);

    public override int GetHashCode() =>
        HashCode.Combine(ModelIdentity, ReasoningEffort, ConversationStartDate, KnowledgeCutoff, ChannelConfig, Tools?.Count);
}
