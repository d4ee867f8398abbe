using System.Text.Json;
using System.Text.Json.Serialization;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// System.Text.Json converter for <see cref="Conversation"/> in the reference's shape, so hosts can embed conversations
/// in their own (source-generated) DTOs (<see cref="MessageJsonConverter"/> does the same for one message). Errors keep
/// our JSON-path messages.
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
