namespace Campfire.Harmony.Engine;

/// <summary>Token counts and timings of one model turn, one run, or every run of a conversation (sums of the turns).</summary>
/// <param name="PromptTokens">Tokens sent to the generator. Each turn sends the whole rendered conversation, so over a
/// run this counts the history once per turn.</param>
/// <param name="CompletionTokens">Tokens the generator produced, stop tokens included.</param>
/// <param name="Rounds">Model turns (generate calls).</param>
/// <param name="ToolCalls">Tool calls executed.</param>
/// <param name="TimeToFirstToken">From the start of the first turn (rendering included) to its first generated token;
/// zero when that turn generated nothing.</param>
/// <param name="GenerationTime">Time from the generate call to its last token; includes the time the caller spends
/// handling <see cref="ContentDelta"/> events, as the run is a lazy sequence.</param>
/// <param name="ToolTime">Time spent in tools.</param>
/// <param name="TotalTime">Wall time of the turns, rendering, parsing and the caller's handling of events included.</param>
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
    /// <summary>No tokens, no turns, no time: the start of every sum.</summary>
    public static EngineUsage Zero { get; } = new(0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary><see cref="PromptTokens"/> plus <see cref="CompletionTokens"/>.</summary>
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
