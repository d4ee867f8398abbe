namespace Campfire.Harmony.Model;

/// <summary>One part of a message's content: <see cref="TextContent"/>, <see cref="SystemContent"/> or <see cref="DeveloperContent"/>.</summary>
public abstract record Content
{
    private protected Content() { }

    /// <summary>Shorthand for <c>new TextContent(text)</c>.</summary>
    public static implicit operator Content(string text) => new TextContent(text);
}
