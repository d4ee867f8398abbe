using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>Token counts and timings.</summary>
/// <param name="PromptTokens">Tokens sent to the generator (summed over turns for a whole run).</param>
/// <param name="CompletionTokens">Tokens the generator produced.</param>
/// <param name="TimeToFirstToken">From the start of the (first) turn to its first generated token.</param>
/// <param name="GenerationTime">Time spent waiting on the generator.</param>
/// <param name="ToolTime">Time spent in tools.</param>
/// <param name="TotalTime">Wall time, rendering and parsing included.</param>
public sealed record EngineUsage(
    int PromptTokens,
    int CompletionTokens,
    int Rounds,
    int ToolCalls,
    TimeSpan TimeToFirstToken,
    TimeSpan GenerationTime,
    TimeSpan ToolTime,
    TimeSpan TotalTime)
{
    public static EngineUsage Zero { get; } = new(0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>Completion tokens per second of generation time (0 when nothing was generated).</summary>
    public double TokensPerSecond => GenerationTime > TimeSpan.Zero ? CompletionTokens / GenerationTime.TotalSeconds : 0;

    internal EngineUsage Add(EngineUsage turn) => new(
        PromptTokens + turn.PromptTokens,
        CompletionTokens + turn.CompletionTokens,
        Rounds + turn.Rounds,
        ToolCalls + turn.ToolCalls,
        Rounds == 0 ? turn.TimeToFirstToken : TimeToFirstToken,
        GenerationTime + turn.GenerationTime,
        ToolTime + turn.ToolTime,
        TotalTime + turn.TotalTime);
}
