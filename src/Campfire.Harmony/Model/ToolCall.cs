using System.Text;
using System.Text.Json;

namespace Campfire.Harmony.Model;

/// <summary>
/// A call the assistant addressed to a tool: in Harmony, an assistant message whose recipient is a tool
/// (<c>functions.get_weather</c>, <c>browser.search</c>). The parser's results, the engine, the tools and the chat
/// client all use this one type, and <see cref="IsCall"/> is the one rule for which messages are calls.
/// </summary>
/// <param name="Recipient">The full recipient, e.g. <c>functions.get_weather</c> or <c>browser.search</c>.</param>
/// <param name="Method">The part after the namespace (<c>get_weather</c>, <c>search</c>); a recipient without a dot is its own method.</param>
/// <param name="Args">The arguments as the model wrote them (JSON for function tools).</param>
/// <param name="CallId">Pairs the call with its result; Harmony has no ids, so the engine (or the parse result, by
/// message position) assigns them.</param>
public sealed record ToolCall(string Recipient, string Method, string Args, string CallId)
{
    /// <summary>Channel the call was (or is to be) written on; null: commentary for functions, analysis for built-ins.</summary>
    public string? Channel { get; init; }

    /// <summary>Content type of the call, e.g. <c>&lt;|constrain|&gt;json</c> or <c>code</c>; null lets the engine choose.</summary>
    public string? ContentType { get; init; }

    /// <summary>Index of the message in the parsed completion this call came from; -1 when it was not parsed.</summary>
    public int MessageIndex { get; init; } = -1;

    /// <summary>The namespace part of the recipient: <c>functions</c> in <c>functions.get_weather</c>.</summary>
    public string Namespace => Recipient.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? Recipient[..dot] : Recipient;

    /// <summary>Whether the content type announces JSON (<c>json</c> or <c>&lt;|constrain|&gt;json</c>).</summary>
    public bool IsJson => ContentType is { } type && type.EndsWith("json", StringComparison.Ordinal);

    /// <summary>Whether an assistant message to <paramref name="recipient"/> is a tool call: any recipient but none,
    /// <c>all</c> (which the reference renders as no recipient) and <c>assistant</c> (an answer, not a call).</summary>
    public static bool IsToolRecipient(string? recipient) => recipient is { Length: > 0 } and not ("assistant" or "all");

    /// <summary>The one rule for which Harmony messages are tool calls: written by the assistant to a tool recipient
    /// (<see cref="IsToolRecipient"/>).</summary>
    public static bool IsCall(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Role == Role.Assistant && IsToolRecipient(message.Recipient);
    }

    /// <summary>Splits a recipient into namespace and method; a recipient without a dot is its own method.</summary>
    public static ToolCall FromRecipient(string recipient, string args, string callId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recipient);
        var dot = recipient.IndexOf('.', StringComparison.Ordinal);
        return new ToolCall(recipient, dot < 0 ? recipient : recipient[(dot + 1)..], args ?? "", callId);
    }

    /// <summary>The call <paramref name="message"/> makes, or null when it is not a call (see <see cref="IsCall"/>).</summary>
    public static ToolCall? FromMessage(Message message, string callId, int messageIndex = -1) =>
        IsCall(message)
            ? FromRecipient(message.Recipient!, TextOf(message), callId) with
            {
                Channel = message.Channel,
                ContentType = message.ContentType,
                MessageIndex = messageIndex,
            }
            : null;

    /// <summary>Parses <see cref="Args"/> as JSON.</summary>
    /// <exception cref="HarmonyToolArgumentsException">The arguments are not valid JSON.</exception>
    public JsonElement ParseArguments()
    {
        try
        {
            using var document = JsonDocument.Parse(Args);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new HarmonyToolArgumentsException(Recipient, e);
        }
    }

    /// <summary>Parses <see cref="Args"/> as JSON; false (instead of an exception) when they are not valid JSON.</summary>
    public bool TryParseArguments(out JsonElement arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(Args);
            arguments = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            arguments = default;
            return false;
        }
    }

    /// <summary>The text parts of a message joined: what a call's arguments or an answer's text are.</summary>
    internal static string TextOf(Message message)
    {
        if (message.Content is [TextContent single]) return single.Text;
        var builder = new StringBuilder();
        foreach (var part in message.Content)
            if (part is TextContent text) builder.Append(text.Text);
        return builder.ToString();
    }
}
