namespace Campfire.Harmony.Model;

/// <summary>Plain text. Special-token literals such as <c>&lt;|end|&gt;</c> inside it are ordinary text.</summary>
public sealed record TextContent(string Text) : Content
{
    public string Text { get; init; } = Text ?? throw new ArgumentNullException(nameof(Text));
}
