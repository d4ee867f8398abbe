using Campfire.Harmony.Model;

namespace Campfire.Extensions.AI;

/// <summary>Defaults of a <see cref="HarmonyChatClient"/>; per-request <c>ChatOptions</c> override them.</summary>
public sealed record HarmonyChatClientOptions
{
    /// <summary>Reported in <c>ChatClientMetadata</c> and <c>ChatResponse.ModelId</c>.</summary>
    public string ModelId { get; init; } = "gpt-oss";

    /// <summary>The model identity line of the Harmony system message (the application's instructions go to the developer message).</summary>
    public string? ModelIdentity { get; init; } = SystemContent.DefaultModelIdentity;

    public string? KnowledgeCutoff { get; init; } = SystemContent.DefaultKnowledgeCutoff;

    public ReasoningEffort DefaultReasoningEffort { get; init; } = ReasoningEffort.Medium;

    /// <summary>The "Current date:" line; null renders today's UTC date.</summary>
    public string? ConversationStartDate { get; init; }

    /// <summary>Used when a request sets no temperature; 1.0 is what OpenAI recommends for gpt-oss.</summary>
    public float DefaultTemperature { get; init; } = 1f;

    public float DefaultTopP { get; init; } = 1f;

    /// <summary>Used when a request sets no <c>MaxOutputTokens</c>.</summary>
    public int DefaultMaxOutputTokens { get; init; } = 4096;

    /// <summary>How many recent conversations the client keeps mapped and rendered between requests (0: none), so a
    /// request that repeats an earlier request's history renders only the messages after it. See
    /// <see cref="HarmonyChatClient"/>.</summary>
    public int PrefixCacheConversations { get; init; } = 8;

    /// <summary>The memory those conversations may keep alive, as estimated per conversation: 16 bytes per prompt token,
    /// 4 per character of history text, 256 per message. The least recently used go first; a conversation larger than
    /// this is not kept.</summary>
    public long PrefixCacheBytes { get; init; } = 32L * 1024 * 1024;
}
