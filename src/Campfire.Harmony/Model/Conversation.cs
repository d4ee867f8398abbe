using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>An ordered list of messages. Immutable; <see cref="Append(Message)"/> returns a longer copy.</summary>
public sealed record Conversation
{
    /// <summary>A conversation of <paramref name="messages"/>, in order.</summary>
    /// <param name="messages">The messages; a default array counts as empty.</param>
    public Conversation(ImmutableArray<Message> messages)
    {
        Messages = messages.IsDefault ? [] : messages;
    }

    /// <summary>The messages, in order (never a default array).</summary>
    public ImmutableArray<Message> Messages { get; init; }

    /// <summary>The conversation without messages.</summary>
    public static Conversation Empty { get; } = new([]);

    /// <summary>A conversation of <paramref name="messages"/>, in order.</summary>
    public static Conversation FromMessages(params IEnumerable<Message> messages) => new([.. messages]);

    /// <summary>Number of messages.</summary>
    public int Count => Messages.Length;

    /// <summary>The message at <paramref name="index"/>.</summary>
    public Message this[int index] => Messages[index];

    /// <summary>A copy with <paramref name="message"/> added at the end.</summary>
    public Conversation Append(Message message) => new(Messages.Add(message));

    /// <summary>A copy with <paramref name="messages"/> added at the end, in order.</summary>
    public Conversation Append(params IEnumerable<Message> messages) => new(Messages.AddRange(messages));

    /// <summary>Enumerates the messages without allocating, so <c>foreach</c> works on the conversation itself.</summary>
    public ImmutableArray<Message>.Enumerator GetEnumerator() => Messages.GetEnumerator();

    /// <summary>Value equality: equal messages in the same order (a record alone would compare the arrays by reference).</summary>
    public bool Equals(Conversation? other) => other is not null && Messages.SequenceEqual(other.Messages);

    /// <summary>A hash consistent with <see cref="Equals(Conversation?)"/> (the message count: cheap, and enough for sets of conversations).</summary>
    public override int GetHashCode() => Messages.Length;
}
