using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>What <see cref="HarmonyEngine.RunAsync"/> reports while it runs. <see cref="Round"/> counts model turns
/// (one generate call each) from 1.</summary>
public abstract record EngineEvent(int Round);

/// <summary>Text the model just produced in a message on <paramref name="Channel"/> (null before the header names one);
/// <paramref name="Recipient"/> is set while the model writes a tool call's arguments.</summary>
public sealed record ContentDelta(int Round, string? Channel, string? Recipient, string Text) : EngineEvent(Round);

/// <summary>A whole message the model wrote, now part of the conversation.</summary>
public sealed record MessageCompleted(int Round, HarmonyMessage Message) : EngineEvent(Round);

/// <summary>The completion broke a rule of the format; it was parsed leniently and the run goes on.</summary>
public sealed record ParseDiagnostic(int Round, string Description) : EngineEvent(Round);

public sealed record ToolCallStarted(int Round, ToolCall Call) : EngineEvent(Round);

/// <summary>A tool answered (or failed: <see cref="ToolResult.IsError"/>); the result is now part of the conversation.</summary>
public sealed record ToolCallFinished(int Round, ToolCall Call, ToolResult Result, TimeSpan Elapsed) : EngineEvent(Round);

/// <summary>A citation in the final answer that does not check out (page never opened, lines out of range or never shown).</summary>
public sealed record CitationProblem(int Round, ResolvedCitation Citation) : EngineEvent(Round);

/// <summary>The model's final answer, its citations resolved, and <paramref name="DisplayText"/>: the answer plus the
/// engine's <see cref="HarmonyEngineOptions.FinalAnswerNote"/> (e.g. a safety note), ready to show.</summary>
public sealed record FinalAnswer(int Round, HarmonyMessage Message, string DisplayText, ImmutableArray<ResolvedCitation> Citations)
    : EngineEvent(Round);

/// <summary>Token counts and timings of one model turn, or of the whole run when sent with <see cref="RunCompleted"/>.</summary>
public sealed record UsageReport(int Round, EngineUsage Usage) : EngineEvent(Round);

/// <summary>The last event of a run.</summary>
public sealed record RunCompleted(int Round, StopReason Reason, EngineUsage Usage) : EngineEvent(Round);

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

/// <summary>Settings of one <see cref="HarmonyEngine.RunAsync"/> call.</summary>
public sealed record EngineRunOptions
{
    public static EngineRunOptions Default { get; } = new();

    public GenerationOptions Generation { get; init; } = GenerationOptions.Default;

    /// <summary>How many times the model may call tools before the run stops with <see cref="StopReason.ToolRoundLimit"/>.</summary>
    public int MaxToolRounds { get; init; } = 8;

    /// <summary>Stream <see cref="ContentDelta"/> events (off saves the per-token decoding when only results matter).</summary>
    public bool StreamDeltas { get; init; } = true;

    /// <summary>
    /// Makes the model's first turn of the run a tool call: to that tool (<c>functions.get_weather</c>), or to any
    /// tool of a namespace when the value ends in a dot (<c>functions.</c>). The assistant's header is prefilled with
    /// the recipient (<c>&lt;|start|&gt;assistant to=functions.get_weather</c>, the way the renderer writes calls),
    /// so the model cannot answer without calling. Null, the default, leaves the choice to the model. The tool (or a
    /// tool of the namespace) must be registered, else <see cref="HarmonyEngine.RunAsync"/> throws
    /// <see cref="ArgumentException"/>.
    /// </summary>
    public string? RequiredToolCall { get; init; }
}

/// <summary>The state of a conversation, for logs and dashboards.</summary>
/// <param name="ToolCallCount">Tool calls in the conversation as it is now (after trimming).</param>
/// <param name="RenderedTokenCount">Tokens of the conversation rendered for the assistant's next turn.</param>
/// <param name="CitationProblems">Citations of final answers in this conversation that did not check out.</param>
public sealed record ConversationSummary(
    int MessageCount,
    int ToolCallCount,
    ImmutableArray<string> RegisteredTools,
    int RenderedTokenCount,
    ImmutableDictionary<HarmonyRole, int> MessagesByRole,
    ImmutableArray<ResolvedCitation> CitationProblems,
    EngineUsage Usage);
