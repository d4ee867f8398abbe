using System.Collections.Immutable;
using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// Writes the reference's JSON shape: role (and name) flattened into the message, then recipient, content, channel,
/// content_type; a single text part as a plain string; absent fields omitted.
/// </summary>
internal static class HarmonyJsonWriter
{
    public static void WriteConversation(Utf8JsonWriter writer, Conversation conversation)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("messages"u8);
        WriteMessages(writer, conversation.Messages);
        writer.WriteEndObject();
    }

    public static void WriteMessages(Utf8JsonWriter writer, ImmutableArray<Message> messages)
    {
        writer.WriteStartArray();
        foreach (var message in messages)
            WriteMessage(writer, message);
        writer.WriteEndArray();
    }

    public static void WriteMessage(Utf8JsonWriter writer, Message message)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Author.Role.ToWireName());
        if (message.Author.Name is { } name)
            writer.WriteString("name"u8, name);
        if (message.Recipient is { } recipient)
            writer.WriteString("recipient"u8, recipient);
        writer.WritePropertyName("content"u8);
        if (message.Content is [TextContent single])
        {
            writer.WriteStringValue(single.Text);
        }
        else
        {
            writer.WriteStartArray();
            foreach (var part in message.Content)
                WriteContent(writer, part);
            writer.WriteEndArray();
        }
        if (message.Channel is { } channel)
            writer.WriteString("channel"u8, channel);
        if (message.ContentType is { } contentType)
            writer.WriteString("content_type"u8, contentType);
        writer.WriteEndObject();
    }

    public static void WriteContent(Utf8JsonWriter writer, Content content)
    {
        writer.WriteStartObject();
        switch (content)
        {
            case TextContent text:
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, text.Text);
                break;
            case SystemContent system:
                writer.WriteString("type"u8, "system_content"u8);
                WriteOptional(writer, "model_identity"u8, system.ModelIdentity);
                if (system.ReasoningEffort is { } effort)
                {
                    writer.WriteString("reasoning_effort"u8, effort switch
                    {
                        ReasoningEffort.Low => "Low"u8,
                        ReasoningEffort.Medium => "Medium"u8,
                        _ => "High"u8,
                    });
                }
                WriteTools(writer, system.Tools);
                WriteOptional(writer, "conversation_start_date"u8, system.ConversationStartDate);
                WriteOptional(writer, "knowledge_cutoff"u8, system.KnowledgeCutoff);
                if (system.ChannelConfig is { } config)
                {
                    writer.WriteStartObject("channel_config"u8);
                    writer.WriteStartArray("valid_channels"u8);
                    foreach (var channel in config.ValidChannels)
                        writer.WriteStringValue(channel);
                    writer.WriteEndArray();
                    writer.WriteBoolean("channel_required"u8, config.ChannelRequired);
                    writer.WriteEndObject();
                }
                break;
            case DeveloperContent developer:
                writer.WriteString("type"u8, "developer_content"u8);
                WriteOptional(writer, "instructions"u8, developer.Instructions);
                WriteTools(writer, developer.Tools);
                break;
            default:
                throw new HarmonyModelException($"cannot write content of type {content.GetType().Name}");
        }
        writer.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter writer, ImmutableSortedDictionary<string, ToolNamespaceConfig>? tools)
    {
        if (tools is null)
            return;
        writer.WriteStartObject("tools"u8);
        foreach (var (key, ns) in tools)
        {
            writer.WriteStartObject(key);
            writer.WriteString("name"u8, ns.Name);
            WriteOptional(writer, "description"u8, ns.Description);
            writer.WriteStartArray("tools"u8);
            foreach (var tool in ns.Tools)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, tool.Name);
                writer.WriteString("description"u8, tool.Description);
                if (tool.Parameters is { } parameters)
                {
                    writer.WritePropertyName("parameters"u8);
                    parameters.WriteTo(writer);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
            writer.WriteString(name, value);
    }
}
