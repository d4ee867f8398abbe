using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>How <see cref="HarmonyEngine"/> writes the Harmony system header and runs the tool loop.</summary>
public sealed record HarmonyEngineOptions
{
    /// <summary>gpt-oss's own identity and knowledge cutoff, medium reasoning, no date, analysis dropped, no note.</summary>
    public static HarmonyEngineOptions Default { get; } = new();

    /// <summary>The identity line of the system message (gpt-oss's default when not changed); null renders none.</summary>
    public string? ModelIdentity { get; init; } = SystemContent.DefaultModelIdentity;

    /// <summary>The <c>Reasoning:</c> line of the system message: how much analysis the model writes before answering.</summary>
    public ReasoningEffort ReasoningEffort { get; init; } = ReasoningEffort.Medium;

    /// <summary>The <c>Knowledge cutoff:</c> line (e.g. <c>2024-06</c>, gpt-oss's); null renders none.</summary>
    public string? KnowledgeCutoff { get; init; } = SystemContent.DefaultKnowledgeCutoff;

    /// <summary>The <c>Current date:</c> line, written as given (gpt-oss was trained on <c>YYYY-MM-DD</c>); null renders none.</summary>
    public string? ConversationStartDate { get; init; }

    /// <summary>Drop analysis messages of earlier turns when rendering, as gpt-oss expects.</summary>
    public bool AutoDropAnalysis { get; init; } = true;

    /// <summary>Appended (after a blank line) to every final answer's <see cref="FinalAnswer.DisplayText"/>, e.g. a safety
    /// note; the conversation keeps the model's own words. Null or empty appends nothing.</summary>
    public string? FinalAnswerNote { get; init; }
}
