using System.Collections.Concurrent;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>
/// Content-keyed sharing of the Harmony messages the engines map to: two engines (or two requests of the chat client,
/// which builds an engine per request) that hold a message with the same author, recipient, channel, content type and
/// text get the same <see cref="Message"/> object, so the renderer's per-message token cache (keyed by the object)
/// hits and the message is tokenized once. Thread-safe; bounded (the table is emptied when it reaches
/// <see cref="Capacity"/> entries, after which messages are tokenized once more as they come back).
/// </summary>
internal static class MessageInterner
{
    public const int Capacity = 8192;

    private static readonly ConcurrentDictionary<Key, Message> Messages = new();

    /// <summary>The shared message equal in content to <paramref name="message"/> (itself when it is the first).
    /// Only single-text messages are shared; others are returned as they are.</summary>
    public static Message Intern(Message message)
    {
        if (message.Content is not [TextContent text]) return message;
        var key = new Key(message.Author.Role, message.Author.Name, message.Recipient, message.Channel, message.ContentType, text.Text);
        if (Messages.TryGetValue(key, out var shared)) return shared;
        if (Messages.Count >= Capacity) Messages.Clear();
        return Messages.GetOrAdd(key, message);
    }

    private static readonly ConcurrentDictionary<string, Message[]> Headers = new(StringComparer.Ordinal);

    /// <summary>The shared header (system and developer messages) for <paramref name="key"/>, a text naming everything
    /// the header is built from; <paramref name="build"/> makes it the first time.</summary>
    public static Message[] InternHeader(string key, Func<Message[]> build)
    {
        if (Headers.TryGetValue(key, out var shared)) return shared;
        if (Headers.Count >= Capacity / 64) Headers.Clear();
        return Headers.GetOrAdd(key, build());
    }

    private readonly record struct Key(Role Role, string? Name, string? Recipient, string? Channel, string? ContentType, string Text);
}
