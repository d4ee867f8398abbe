using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// Reads and writes conversations and messages in openai/harmony's JSON shape (its serde types and Python models):
/// <c>{"messages": [{"role": "user", "content": "Hi"}, ...]}</c>. Bad JSON throws <see cref="HarmonyJsonException"/>
/// naming the JSON path and what was expected there.
/// </summary>
public static class HarmonyJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    /// <summary>Writer settings: compact, and non-ASCII text written as itself rather than \u escapes.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary><see cref="WriterOptions"/> with indentation, for output meant to be read by people.</summary>
    public static JsonWriterOptions IndentedWriterOptions { get; } = WriterOptions with { Indented = true };

    /// <summary>Parses a conversation (<c>{"messages": [...]}</c>) from UTF-8 JSON.</summary>
    /// <exception cref="HarmonyJsonException">The text is not JSON, or not a conversation in the reference's shape.</exception>
    public static Conversation ParseConversation(ReadOnlySpan<byte> utf8Json) =>
        Parse(utf8Json, static root => HarmonyJsonReader.ReadConversation(root, "$"));

    /// <summary>Parses a conversation (<c>{"messages": [...]}</c>) from JSON text.</summary>
    /// <exception cref="HarmonyJsonException">The text is not JSON, or not a conversation in the reference's shape.</exception>
    public static Conversation ParseConversation(string json) => ParseConversation(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a conversation from an already parsed element; error paths start at <c>$</c> for that element.</summary>
    /// <exception cref="HarmonyJsonException">The element is not a conversation in the reference's shape.</exception>
    public static Conversation ReadConversation(JsonElement element) => HarmonyJsonReader.ReadConversation(element, "$");

    /// <summary>Parses one message (<c>{"role": ..., "content": ...}</c>) from UTF-8 JSON.</summary>
    /// <exception cref="HarmonyJsonException">The text is not JSON, or not a message in the reference's shape.</exception>
    public static Message ParseMessage(ReadOnlySpan<byte> utf8Json) =>
        Parse(utf8Json, static root => HarmonyJsonReader.ReadMessage(root, "$"));

    /// <summary>Parses one message (<c>{"role": ..., "content": ...}</c>) from JSON text.</summary>
    /// <exception cref="HarmonyJsonException">The text is not JSON, or not a message in the reference's shape.</exception>
    public static Message ParseMessage(string json) => ParseMessage(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads one message from an already parsed element; error paths start at <c>$</c> for that element.</summary>
    /// <exception cref="HarmonyJsonException">The element is not a message in the reference's shape.</exception>
    public static Message ReadMessage(JsonElement element) => HarmonyJsonReader.ReadMessage(element, "$");

    /// <summary>Parses a JSON array of messages (as the reference's parser returns them).</summary>
    public static ImmutableArray<Message> ParseMessages(ReadOnlySpan<byte> utf8Json) =>
        Parse(utf8Json, static root => HarmonyJsonReader.ReadMessages(root, "$"));

    /// <summary>Parses a JSON array of messages from JSON text (as the reference's parser returns them).</summary>
    /// <exception cref="HarmonyJsonException">The text is not JSON, or not an array of messages in the reference's shape.</exception>
    public static ImmutableArray<Message> ParseMessages(string json) => ParseMessages(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a JSON array of messages from an already parsed element; error paths start at <c>$</c> for it.</summary>
    /// <exception cref="HarmonyJsonException">The element is not an array of messages in the reference's shape.</exception>
    public static ImmutableArray<Message> ReadMessages(JsonElement element) => HarmonyJsonReader.ReadMessages(element, "$");

    /// <summary>Writes <c>{"messages": [...]}</c> in the reference's shape to <paramref name="writer"/>.</summary>
    public static void WriteConversation(Utf8JsonWriter writer, Conversation conversation) =>
        HarmonyJsonWriter.WriteConversation(writer, conversation);

    /// <summary>Writes one message object in the reference's shape to <paramref name="writer"/>.</summary>
    public static void WriteMessage(Utf8JsonWriter writer, Message message) => HarmonyJsonWriter.WriteMessage(writer, message);

    /// <summary>Writes a JSON array of messages (the reference's parser output shape) to <paramref name="writer"/>.</summary>
    public static void WriteMessages(Utf8JsonWriter writer, ImmutableArray<Message> messages) =>
        HarmonyJsonWriter.WriteMessages(writer, messages);

    /// <summary>The conversation as JSON text in the reference's shape, compact unless <paramref name="indented"/>.</summary>
    public static string SerializeConversation(Conversation conversation, bool indented = false) =>
        Write(conversation, indented, HarmonyJsonWriter.WriteConversation);

    /// <summary>The conversation as UTF-8 JSON in the reference's shape, compact unless <paramref name="indented"/>.</summary>
    public static byte[] SerializeConversationToUtf8(Conversation conversation, bool indented = false) =>
        WriteUtf8(conversation, indented, HarmonyJsonWriter.WriteConversation);

    /// <summary>One message as JSON text in the reference's shape, compact unless <paramref name="indented"/>.</summary>
    public static string SerializeMessage(Message message, bool indented = false) =>
        Write(message, indented, HarmonyJsonWriter.WriteMessage);

    /// <summary>A JSON array of messages as text, compact unless <paramref name="indented"/>.</summary>
    public static string SerializeMessages(ImmutableArray<Message> messages, bool indented = false) =>
        Write(messages, indented, HarmonyJsonWriter.WriteMessages);

    private static T Parse<T>(ReadOnlySpan<byte> utf8Json, Func<JsonElement, T> read)
    {
        // JsonDocument needs memory it can keep while parsing; renting avoids a copy per call.
        byte[] rented = ArrayPool<byte>.Shared.Rent(utf8Json.Length);
        try
        {
            utf8Json.CopyTo(rented);
            using var document = ParseDocument(rented.AsMemory(0, utf8Json.Length));
            return read(document.RootElement);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8Json)
    {
        try
        {
            return JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1} of the line" : "";
            throw new HarmonyJsonException("$", $"not valid JSON{where}: {FirstSentence(e.Message)}", e);
        }
        catch (ArgumentException e)
        {
            throw new HarmonyJsonException("$", $"not valid JSON: {e.Message}", e);
        }
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends its own zero-based position (" LineNumber: 0 | BytePositionInLine: 4.") and path:
        // the caller reports the position once, one-based.
        foreach (var marker in (ReadOnlySpan<string>)[" LineNumber:", " Path:"])
        {
            int cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut >= 0)
                message = message[..cut];
        }
        return message.TrimEnd().TrimEnd('.');
    }

    private static string Write<T>(T value, bool indented, Action<Utf8JsonWriter, T> write) =>
        Encoding.UTF8.GetString(WriteUtf8(value, indented, write));

    private static byte[] WriteUtf8<T>(T value, bool indented, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, indented ? IndentedWriterOptions : WriterOptions))
            write(writer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
