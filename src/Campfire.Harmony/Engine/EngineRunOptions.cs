using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

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
