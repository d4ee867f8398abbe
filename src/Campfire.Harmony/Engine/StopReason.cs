using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

public enum StopReason
{
    /// <summary>The model wrote a final-channel answer.</summary>
    FinalAnswer,

    /// <summary>The model kept calling tools past <see cref="EngineRunOptions.MaxToolRounds"/>.</summary>
    ToolRoundLimit,

    /// <summary>The generator stopped at <see cref="GenerationOptions.MaxTokens"/> before the answer was complete.</summary>
    MaxTokens,

    /// <summary>The model stopped without a final answer or a tool call.</summary>
    NoFinalAnswer,
}
