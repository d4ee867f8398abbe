namespace Campfire.Harmony.Engine;

/// <summary>Why <see cref="HarmonyEngine.RunAsync"/> stopped (see <see cref="RunCompleted.Reason"/>).</summary>
public enum StopReason
{
    /// <summary>The model wrote a final-channel answer.</summary>
    FinalAnswer,

    /// <summary>The model kept calling tools past <see cref="EngineRunOptions.MaxToolRounds"/>; the last call is in the
    /// conversation, unanswered.</summary>
    ToolRoundLimit,

    /// <summary>The generator stopped at <see cref="GenerationOptions.MaxTokens"/> before the answer was complete; what
    /// was parsed of the turn is in the conversation, and no call of it was executed.</summary>
    MaxTokens,

    /// <summary>The model stopped without a final answer or a tool call.</summary>
    NoFinalAnswer,
}
