namespace Campfire.Harmony.Rendering;

/// <summary>
/// Conversation-level render settings (the reference's <c>RenderConversationConfig</c>).
/// <see cref="AutoDropAnalysis"/> defaults to true, as in the reference's Python API: when the last assistant message is
/// on the <c>final</c> channel, analysis messages before the first <c>final</c> message are left out.
/// </summary>
public sealed record RenderOptions
{
    /// <summary>Leave out the analysis messages before the first final message when the last assistant message is
    /// final (true by default).</summary>
    public bool AutoDropAnalysis { get; init; } = true;

    /// <summary>Auto-drop on (the reference's Python default).</summary>
    public static RenderOptions Default { get; } = new();

    /// <summary>Auto-drop off: every message is rendered (the reference's Rust API with no config).</summary>
    public static RenderOptions KeepAnalysis { get; } = new() { AutoDropAnalysis = false };
}
