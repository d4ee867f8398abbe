using System.Text.Json.Serialization;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// Source-generated serializer metadata for the model (no reflection; NativeAOT-safe):
/// <c>JsonSerializer.Serialize(conversation, HarmonyJsonContext.Default.Conversation)</c>.
/// </summary>
[JsonSourceGenerationOptions(Converters = [typeof(ConversationJsonConverter), typeof(MessageJsonConverter)])]
[JsonSerializable(typeof(Conversation))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(Message[]))]
public sealed partial class HarmonyJsonContext : JsonSerializerContext;
