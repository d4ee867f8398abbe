using Campfire.Harmony.Model;

namespace Campfire.Remote.Chat;

/// <summary>Defaults of a <see cref="HarmonyChatClient"/>; per-request <c>ChatOptions</c> override them.</summary>
public sealed record HarmonyChatClientOptions
{
    /// <summary>Reported in <c>ChatClientMetadata</c> and <c>ChatResponse.ModelId</c>.</summary>
    public string ModelId { get; init; } = "gpt-oss";

    /// <summary>
    /// The Harmony system message (identity, knowledge cutoff, channels). Its reasoning effort and date are replaced
    /// per request; the application's own instructions go to the developer message, as gpt-oss expects.
    /// </summary>
    public SystemContent System { get; init; } = SystemContent.Default;

    public ReasoningEffort DefaultReasoningEffort { get; init; } = ReasoningEffort.Medium;

    /// <summary>The "Current date:" line; null renders today's UTC date.</summary>
    public string? ConversationStartDate { get; init; }

    /// <summary>Used when a request sets no <c>MaxOutputTokens</c>.</summary>
    public int DefaultMaxOutputTokens { get; init; } = 4096;
}
