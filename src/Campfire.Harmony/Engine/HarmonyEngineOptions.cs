using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>How <see cref="HarmonyEngine"/> writes the Harmony system header and runs the tool loop.</summary>
public sealed record HarmonyEngineOptions
{
    public static HarmonyEngineOptions Default { get; } = new();

    /// <summary>The identity line of the system message (gpt-oss's default when not changed).</summary>
    public string? ModelIdentity { get; init; } = SystemContent.DefaultModelIdentity;

    public ReasoningEffort ReasoningEffort { get; init; } = ReasoningEffort.Medium;

    public string? KnowledgeCutoff { get; init; } = SystemContent.DefaultKnowledgeCutoff;

    /// <summary>The <c>Current date:</c> line; null renders none.</summary>
    public string? ConversationStartDate { get; init; }

    /// <summary>Drop analysis messages of earlier turns when rendering, as gpt-oss expects.</summary>
    public bool AutoDropAnalysis { get; init; } = true;

    /// <summary>Appended (after a blank line) to every final answer's <see cref="FinalAnswer.DisplayText"/>, e.g. a safety
    /// note; the conversation keeps the model's own words.</summary>
    public string? FinalAnswerNote { get; init; }
}
