namespace Campfire.Harmony.Engine;

/// <summary>Settings of one <see cref="HarmonyEngine.RunAsync"/> call.</summary>
public sealed record EngineRunOptions
{
    /// <summary>The settings used when <see cref="HarmonyEngine.RunAsync"/> gets none: <see cref="GenerationOptions.Default"/>,
    /// 8 tool rounds, deltas streamed, no required call.</summary>
    public static EngineRunOptions Default { get; } = new();

    /// <summary>Sampling settings passed to the generator for every turn of the run; <see cref="GenerationOptions.MaxTokens"/>
    /// limits each turn, not the run.</summary>
    public GenerationOptions Generation { get; init; } = GenerationOptions.Default;

    /// <summary>How many turns may end in tool calls that get executed; a call after that stops the run with
    /// <see cref="StopReason.ToolRoundLimit"/> without executing it. 0 executes no tools. Negative values make
    /// <see cref="HarmonyEngine.RunAsync"/> throw <see cref="ArgumentOutOfRangeException"/>.</summary>
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

    /// <summary>
    /// Grammar-constrained generation (<c>--constrain</c>): each turn's <see cref="TokenGenerationRequest.Constraint"/>
    /// holds the <see cref="Campfire.Harmony.Constraints.HarmonyTokenGrammar"/> of the engine's tools and channels,
    /// started right after the prompt (after the forced header of <see cref="RequiredToolCall"/>, if any), so the
    /// generator can only produce well-formed Harmony and schema-valid tool arguments. Off by default; a generator that
    /// cannot apply a mask throws <see cref="NotSupportedException"/>.
    /// </summary>
    public bool Constrain { get; init; }
}
