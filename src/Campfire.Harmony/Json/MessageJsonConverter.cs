using System.Text.Json;
using System.Text.Json.Serialization;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// System.Text.Json converter for <see cref="Message"/> in the reference's shape (as <see cref="ConversationJsonConverter"/>
/// is for a whole conversation), for hosts that embed messages in their own (source-generated) DTOs.
/// </summary>
public sealed class MessageJsonConverter : JsonConverter<Message>
{
    /// <summary>Reads the reference's message object at the reader's position (errors as <see cref="HarmonyJsonException"/>, paths from <c>$</c> at that value).</summary>
    public override Message Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return HarmonyJson.ReadMessage(document.RootElement);
    }

    /// <summary>Writes the message in the reference's shape, as <see cref="HarmonyJson.WriteMessage"/> does.</summary>
    public override void Write(Utf8JsonWriter writer, Message value, JsonSerializerOptions options) =>
        HarmonyJson.WriteMessage(writer, value);
}
