using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>An ordered list of messages. Immutable; <see cref="Append"/> returns a longer copy.</summary>
public sealed record Conversation
{
    public Conversation(ImmutableArray<Message> messages)
    {
        Messages = messages.IsDefault ? [] : messages;
    }

    public ImmutableArray<Message> Messages { get; init; }

    public static Conversation Empty { get; } = new([]);

    public static Conversation FromMessages(params IEnumerable<Message> messages) => new([.. messages]);

    public int Count => Messages.Length;

    public Message this[int index] => Messages[index];

    public Conversation Append(Message message) => new(Messages.Add(message));

    public Conversation Append(params IEnumerable<Message> messages) => new(Messages.AddRange(messages));

    public ImmutableArray<Message>.Enumerator GetEnumerator() => Messages.GetEnumerator();

    public bool Equals(Conversation? other) => other is not null && Messages.SequenceEqual(other.Messages);

    public override int GetHashCode() => Messages.Length;
}
