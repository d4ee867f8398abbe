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
    /// <summary>Reads the reference's conversation object at the reader's position (errors as <see cref="HarmonyJsonException"/>, paths from <c>$</c> at that value).</summary>
    public override Conversation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return HarmonyJson.ReadConversation(document.RootElement);
    }

    /// <summary>Writes the conversation in the reference's shape, as <see cref="HarmonyJson.WriteConversation"/> does.</summary>
    public override void Write(Utf8JsonWriter writer, Conversation value, JsonSerializerOptions options) =>
        HarmonyJson.WriteConversation(writer, value);
}
