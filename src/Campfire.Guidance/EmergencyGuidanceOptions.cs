using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Guidance;

/// <summary>Settings of the emergency-guidance flow.</summary>
public sealed record EmergencyGuidanceOptions
{
    public static EmergencyGuidanceOptions Default { get; } = new();

    /// <summary>The application's instructions (the developer message); defaults to <see cref="EmergencyGuidance.SystemPrompt"/>.</summary>
    public string SystemPrompt { get; init; } = EmergencyGuidance.SystemPrompt;

    /// <summary>Appended to every final answer shown to the user; defaults to <see cref="EmergencyGuidance.SafetyNote"/>.</summary>
    public string SafetyNote { get; init; } = EmergencyGuidance.SafetyNote;

    public ReasoningEffort ReasoningEffort { get; init; } = ReasoningEffort.Low;

    /// <summary>The date the system header states (yyyy-MM-dd); null: today (UTC).</summary>
    public string? ConversationStartDate { get; init; }

    /// <summary>Messages kept besides the instructions when a new question arrives.</summary>
    public int MaxHistory { get; init; } = 10;

    public BrowserToolOptions Browser { get; init; } = BrowserToolOptions.Default;
}
