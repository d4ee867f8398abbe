namespace Campfire.Harmony.Model;

/// <summary>Plain text. Special-token literals such as <c>&lt;|end|&gt;</c> inside it are ordinary text.</summary>
/// <param name="Text">The text, rendered as it is.</param>
public sealed record TextContent(string Text) : Content
{
    /// <summary>The text, rendered as it is.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public string Text { get; init; } = Text ?? throw new ArgumentNullException(nameof(Text));
}
