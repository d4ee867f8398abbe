using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>
/// One Harmony message: <c>&lt;|start|&gt;{author}[ to={recipient}][&lt;|channel|&gt;{channel}][ {content type}]&lt;|message|&gt;{content}&lt;|end|&gt;</c>.
/// Immutable; the <c>With...</c> methods return changed copies.
/// </summary>
public sealed record Message
{
    /// <summary>A message from <paramref name="author"/> with these content parts and header fields.</summary>
    /// <param name="author">Who wrote it.</param>
    /// <param name="content">The content parts, rendered one after the other; a default array counts as empty.</param>
    /// <param name="channel">The channel (analysis, commentary, final), or null for none.</param>
    /// <param name="recipient">Who it is addressed to (e.g. <c>functions.get_weather</c>), or null; "all" is not rendered.</param>
    /// <param name="contentType">The content type (e.g. <c>&lt;|constrain|&gt;json</c>), or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="author"/> is null.</exception>
    public Message(Author author, ImmutableArray<Content> content, string? channel = null, string? recipient = null, string? contentType = null)
    {
        Author = author ?? throw new ArgumentNullException(nameof(author));
        Content = content.IsDefault ? [] : content;
        Channel = channel;
        Recipient = recipient;
        ContentType = contentType;
    }

    /// <summary>Who wrote the message.</summary>
    public Author Author { get; init; }

    /// <summary>Who the message is addressed to (rendered as <c> to=recipient</c> unless "all"), or null.</summary>
    public string? Recipient { get; init; }

    /// <summary>The channel (analysis, commentary, final), or null for none.</summary>
    public string? Channel { get; init; }

    /// <summary>E.g. <c>json</c>, <c>code</c>, or <c>&lt;|constrain|&gt;json</c> (the constrain marker renders as its special token).</summary>
    public string? ContentType { get; init; }

    /// <summary>The content parts, rendered one after the other (never a default array).</summary>
    public ImmutableArray<Content> Content { get; init; }

    /// <summary>The author's role.</summary>
    public Role Role => Author.Role;

    /// <summary>A message of <paramref name="role"/> with one text part.</summary>
    public static Message FromRole(Role role, string text) => new(Author.Of(role), [new TextContent(text)]);

    /// <summary>A message of <paramref name="role"/> with one content part.</summary>
    public static Message FromRole(Role role, Content content) => new(Author.Of(role), [content]);

    /// <summary>A message of <paramref name="role"/> with these content parts.</summary>
    public static Message FromRole(Role role, params IEnumerable<Content> contents) => new(Author.Of(role), [.. contents]);

    /// <summary>A message from <paramref name="author"/> with one text part.</summary>
    public static Message FromAuthor(Author author, string text) => new(author, [new TextContent(text)]);

    /// <summary>A message from <paramref name="author"/> with one content part.</summary>
    public static Message FromAuthor(Author author, Content content) => new(author, [content]);

    /// <summary>The system message with <paramref name="content"/>.</summary>
    public static Message System(SystemContent content) => FromRole(Role.System, content);

    /// <summary>The developer message with <paramref name="content"/>.</summary>
    public static Message Developer(DeveloperContent content) => FromRole(Role.Developer, content);

    /// <summary>A user message with one text part.</summary>
    public static Message User(string text) => FromRole(Role.User, text);

    /// <summary>An assistant message with one text part (no channel: add one with <see cref="WithChannel"/>).</summary>
    public static Message Assistant(string text) => FromRole(Role.Assistant, text);

    /// <summary>A tool's reply: author <paramref name="toolName"/> (e.g. <c>functions.get_weather</c>).</summary>
    public static Message Tool(string toolName, string text) => FromAuthor(Author.Tool(toolName), text);

    /// <summary>A copy on <paramref name="channel"/> (null: no channel).</summary>
    public Message WithChannel(string? channel) => this with { Channel = channel };

    /// <summary>A copy addressed to <paramref name="recipient"/> (null: none).</summary>
    public Message WithRecipient(string? recipient) => this with { Recipient = recipient };

    /// <summary>A copy with <paramref name="contentType"/> (null: none).</summary>
    public Message WithContentType(string? contentType) => this with { ContentType = contentType };

    /// <summary>A copy written by <paramref name="author"/>.</summary>
    public Message WithAuthor(Author author) => this with { Author = author };

    /// <summary>A copy with exactly these content parts.</summary>
    public Message WithContent(params IEnumerable<Content> content) => this with { Content = [.. content] };

    /// <summary>A copy with <paramref name="content"/> added after the existing parts.</summary>
    public Message AddingContent(Content content) => this with { Content = Content.Add(content) };

    /// <summary>Value equality: same author, header fields (ordinal) and equal content parts in order.</summary>
    public bool Equals(Message? other) =>
        other is not null
        && Author.Equals(other.Author)
        && string.Equals(Recipient, other.Recipient, StringComparison.Ordinal)
        && string.Equals(Channel, other.Channel, StringComparison.Ordinal)
        && string.Equals(ContentType, other.ContentType, StringComparison.Ordinal)
        && Content.SequenceEqual(other.Content);

    /// <summary>A hash consistent with <see cref="Equals(Message?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Author, Recipient, Channel, ContentType, Content.Length);
}
