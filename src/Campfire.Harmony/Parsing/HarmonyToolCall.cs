using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// A tool call: an assistant message with a recipient. <see cref="Arguments"/> is the raw content; parse it as JSON on
/// request with <see cref="ParseArguments"/> (function calls are usually <c>&lt;|constrain|&gt;json</c>).
/// </summary>
/// <param name="MessageIndex">Index of the call's message in <see cref="HarmonyParseResult.Messages"/>, to find what surrounds it.</param>
/// <param name="Recipient">The tool addressed, without <c>to=</c>: e.g. <c>functions.get_weather</c> or <c>browser.search</c>.</param>
/// <param name="Arguments">The message's content as the model wrote it, unvalidated (usually JSON).</param>
/// <param name="Channel">The channel the call was made on (gpt-oss: usually <c>commentary</c>), or null.</param>
/// <param name="ContentType">The declared format of <paramref name="Arguments"/> (e.g. <c>&lt;|constrain|&gt;json</c>), or null.</param>
public sealed record HarmonyToolCall(int MessageIndex, string Recipient, string Arguments, string? Channel, string? ContentType)
{
    /// <summary>The namespace part of the recipient: <c>functions</c> in <c>functions.get_weather</c>.</summary>
    public string Namespace => Recipient.IndexOf('.') is var dot and >= 0 ? Recipient[..dot] : Recipient;

    /// <summary>The tool's name within its namespace: <c>get_weather</c> in <c>functions.get_weather</c>.</summary>
    public string Name => Recipient.IndexOf('.') is var dot and >= 0 ? Recipient[(dot + 1)..] : Recipient;

    /// <summary>Whether the content type announces JSON (<c>json</c> or <c>&lt;|constrain|&gt;json</c>).</summary>
    public bool IsJson => ContentType is { } type && type.EndsWith("json", StringComparison.Ordinal);

    /// <summary>Parses <see cref="Arguments"/> as JSON.</summary>
    /// <exception cref="HarmonyToolArgumentsException">The arguments are not valid JSON.</exception>
    public JsonElement ParseArguments()
    {
        try
        {
            using var document = JsonDocument.Parse(Arguments);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new HarmonyToolArgumentsException(Recipient, e);
        }
    }

    /// <summary>
    /// Parses <see cref="Arguments"/> as JSON without throwing, for callers that treat malformed model output as an
    /// ordinary case (e.g. to ask the model again).
    /// </summary>
    /// <param name="arguments">The parsed arguments (detached from any document), or default when they are not JSON.</param>
    /// <returns>False when the arguments are not valid JSON.</returns>
    public bool TryParseArguments(out JsonElement arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(Arguments);
            arguments = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            arguments = default;
            return false;
        }
    }

    internal static bool TryCreate(Message message, int index, out HarmonyToolCall call)
    {
        if (message.Author.Role == Role.Assistant && message.Recipient is { Length: > 0 } recipient)
        {
            call = new HarmonyToolCall(index, recipient, TextOf(message), message.Channel, message.ContentType);
            return true;
        }
        call = null!;
        return false;
    }

    private static string TextOf(Message message) => message.Content switch
    {
        [TextContent single] => single.Text,
        var parts => string.Concat(parts.OfType<TextContent>().Select(p => p.Text)),
    };
}
