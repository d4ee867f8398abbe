using System.Text.Json;
using System.Text.Json.Serialization;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// System.Text.Json converters for the model in the reference's shape, so hosts can embed <see cref="Conversation"/> and
/// <see cref="Message"/> in their own (source-generated) DTOs. Errors keep our JSON-path messages.
/// </summary>
public sealed class ConversationJsonConverter : JsonConverter<Conversation>
{
    public override Conversation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return HarmonyJson.ReadConversation(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, Conversation value, JsonSerializerOptions options) =>
        HarmonyJson.WriteConversation(writer, value);
}

public sealed class MessageJsonConverter : JsonConverter<Message>
{
    public override Message Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return HarmonyJson.ReadMessage(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, Message value, JsonSerializerOptions options) =>
        HarmonyJson.WriteMessage(writer, value);
}

/// <summary>
/// Source-generated serializer metadata for the model (no reflection; NativeAOT-safe):
/// <c>JsonSerializer.Serialize(conversation, HarmonyJsonContext.Default.Conversation)</c>.
/// </summary>
[JsonSourceGenerationOptions(Converters = [typeof(ConversationJsonConverter), typeof(MessageJsonConverter)])]
[JsonSerializable(typeof(Conversation))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(Message[]))]
public sealed partial class HarmonyJsonContext : JsonSerializerContext;
