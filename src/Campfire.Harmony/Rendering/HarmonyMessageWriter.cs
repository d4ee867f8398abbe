using System.Buffers;
using System.Collections.Immutable;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// The reference's message layout, shared by every renderer:
/// <c>&lt;|start|&gt;</c> role (or the tool's name; <c>:name</c> after a named non-tool author), <c> to=recipient</c> unless
/// the recipient is "all", <c>&lt;|channel|&gt;channel</c>, a space and the content type (a leading <c>&lt;|constrain|&gt;</c>
/// as its special token), <c>&lt;|message|&gt;</c>, each content part, then <c>&lt;|call|&gt;</c> for an assistant message with a
/// recipient and <c>&lt;|end|&gt;</c> otherwise.
/// </summary>
internal static class HarmonyMessageWriter
{
    /// <summary>Throws <see cref="HarmonyRenderException"/> for what the reference refuses to render.</summary>
    public static void Validate(Message message, int messageIndex)
    {
        var role = message.Author.Role;
        if (!RoleNames.IsDefined(role))
            throw new HarmonyRenderException(messageIndex, $"unknown role {(int)role}");
        if (role == Role.Tool && message.Author.Name is null)
            throw new HarmonyRenderException(messageIndex, "a tool message needs the tool's name as its author name (e.g. \"functions.get_weather\")");
        foreach (var content in message.Content)
        {
            switch (content)
            {
                case SystemContent when role != Role.System:
                    throw new HarmonyRenderException(messageIndex, $"system content may only appear in system messages, found in a {role.ToWireName()} message");
                case DeveloperContent when role != Role.Developer:
                    throw new HarmonyRenderException(messageIndex, $"developer content may only appear in developer messages, found in a {role.ToWireName()} message");
                case null:
                    throw new HarmonyRenderException(messageIndex, "null content part");
            }
        }
    }

    public static void ValidateAll(ImmutableArray<Message> messages)
    {
        for (int i = 0; i < messages.Length; i++)
        {
            if (messages[i] is null)
                throw new HarmonyRenderException(i, "null message");
            Validate(messages[i], i);
        }
    }

    /// <summary>Writes one message that has passed <see cref="Validate"/>.</summary>
    public static void Write<TSink>(ref TSink sink, Message message, bool conversationHasFunctionTools)
        where TSink : IRenderSink, allows ref struct
    {
        sink.Special(HarmonyTokens.Start);
        var author = message.Author;
        if (author.Role == Role.Tool)
        {
            sink.Text(author.Name);
        }
        else
        {
            sink.Text(author.Role.ToWireName());
            if (author.Name is { } name)
                TextPair(ref sink, ":", name);
        }

        if (message.Recipient is { } recipient && recipient != "all")
            TextPair(ref sink, " to=", recipient);

        if (message.Channel is { } channel)
        {
            sink.Special(HarmonyTokens.Channel);
            sink.Text(channel);
        }

        if (message.ContentType is { } contentType)
        {
            string constrain = SpecialTokenTable.GetLiteral(HarmonyTokens.Constrain);
            if (contentType.StartsWith(constrain, StringComparison.Ordinal))
            {
                sink.Text(" ");
                sink.Special(HarmonyTokens.Constrain);
                var rest = contentType.AsSpan(constrain.Length);
                if (!rest.IsEmpty)
                    sink.Text(rest);
            }
            else
            {
                TextPair(ref sink, " ", contentType);
            }
        }

        sink.Special(HarmonyTokens.Message);
        foreach (var content in message.Content)
        {
            if (content is TextContent text)
                sink.Text(text.Text);
            else
                sink.ComposedContent(content, conversationHasFunctionTools);
        }

        sink.Special(author.Role == Role.Assistant && message.Recipient is not null ? HarmonyTokens.Call : HarmonyTokens.End);
    }

    /// <summary>One text piece made of two parts (":" + name, " to=" + recipient): the reference tokenizes them together.</summary>
    private static void TextPair<TSink>(ref TSink sink, ReadOnlySpan<char> first, ReadOnlySpan<char> second)
        where TSink : IRenderSink, allows ref struct
    {
        int length = first.Length + second.Length;
        char[]? rented = null;
        Span<char> joined = length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(length));
        first.CopyTo(joined);
        second.CopyTo(joined[first.Length..]);
        sink.Text(joined[..length]);
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
    }
}
