using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>
/// One Harmony message: <c>&lt;|start|&gt;{author}[ to={recipient}][&lt;|channel|&gt;{channel}][ {content type}]&lt;|message|&gt;{content}&lt;|end|&gt;</c>.
/// Immutable; the <c>With...</c> methods return changed copies.
/// </summary>
public sealed record Message
{
    public Message(Author author, ImmutableArray<Content> content, string? channel = null, string? recipient = null, string? contentType = null)
    {
        Author = author ?? throw new ArgumentNullException(nameof(author));
        Content = content.IsDefault ? [] : content;
        Channel = channel;
        Recipient = recipient;
        ContentType = contentType;
    }

    public Author Author { get; init; }
    public string? Recipient { get; init; }
    public string? Channel { get; init; }

    /// <summary>E.g. <c>json</c>, <c>code</c>, or <c>&lt;|constrain|&gt;json</c> (the constrain marker renders as its special token).</summary>
    public string? ContentType { get; init; }

    public ImmutableArray<Content> Content { get; init; }

    public Role Role => Author.Role;

    /// <summary>A message of <paramref name="role"/> with one text part.</summary>
    public static Message FromRole(Role role, string text) => new(Author.Of(role), [new TextContent(text)]);

    /// <summary>A message of <paramref name="role"/> with one content part.</summary>
    public static Message FromRole(Role role, Content content) => new(Author.Of(role), [content]);

    public static Message FromRole(Role role, params IEnumerable<Content> contents) => new(Author.Of(role), [.. contents]);

    public static Message FromAuthor(Author author, string text) => new(author, [new TextContent(text)]);

    public static Message FromAuthor(Author author, Content content) => new(author, [content]);

    public static Message System(SystemContent content) => FromRole(Role.System, content);
    public static Message Developer(DeveloperContent content) => FromRole(Role.Developer, content);
    public static Message User(string text) => FromRole(Role.User, text);
    public static Message Assistant(string text) => FromRole(Role.Assistant, text);

    /// <summary>A tool's reply: author <paramref name="toolName"/> (e.g. <c>functions.get_weather</c>).</summary>
    public static Message Tool(string toolName, string text) => FromAuthor(Author.Tool(toolName), text);

    public Message WithChannel(string? channel) => this with { Channel = channel };
    public Message WithRecipient(string? recipient) => this with { Recipient = recipient };
    public Message WithContentType(string? contentType) => this with { ContentType = contentType };
    public Message WithAuthor(Author author) => this with { Author = author };
    public Message WithContent(params IEnumerable<Content> content) => this with { Content = [.. content] };
    public Message AddingContent(Content content) => this with { Content = Content.Add(content) };

    public bool Equals(Message? other) =>
        other is not null
        && Author.Equals(other.Author)
        && string.Equals(Recipient, other.Recipient, StringComparison.Ordinal)
        && string.Equals(Channel, other.Channel, StringComparison.Ordinal)
        && string.Equals(ContentType, other.ContentType, StringComparison.Ordinal)
        && Content.SequenceEqual(other.Content);

    public override int GetHashCode() => HashCode.Combine(Author, Recipient, Channel, ContentType, Content.Length);
}
