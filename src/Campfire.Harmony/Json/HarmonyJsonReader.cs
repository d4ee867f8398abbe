using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Json;

/// <summary>
/// Reads the reference's JSON shape from a parsed document, tracking the JSON path so that every error names the
/// offending value. Unknown properties are ignored (as serde does); a null optional field counts as absent.
/// </summary>
internal static class HarmonyJsonReader
{
    // Entry points check every string and property name first: System.Text.Json throws InvalidOperationException
    // for a lone surrogate escape whenever it unescapes one, even while looking up another property.
    public static Conversation ReadConversation(JsonElement root, string path)
    {
        CheckStrings(root, path);
        return ConversationAt(root, path);
    }

    public static ImmutableArray<Message> ReadMessages(JsonElement array, string path)
    {
        CheckStrings(array, path);
        return MessagesAt(array, path);
    }

    public static Message ReadMessage(JsonElement element, string path)
    {
        CheckStrings(element, path);
        return MessageAt(element, path);
    }

    private static Conversation ConversationAt(JsonElement root, string path)
    {
        RequireKind(root, JsonValueKind.Object, path, "a conversation object {\"messages\": [...]}");
        if (!TryGetNonNull(root, "messages", out var messages))
            throw new HarmonyJsonException(path, "missing required field \"messages\"");
        return new Conversation(MessagesAt(messages, path + ".messages"));
    }

    private static ImmutableArray<Message> MessagesAt(JsonElement array, string path)
    {
        RequireKind(array, JsonValueKind.Array, path, "an array of messages");
        var builder = ImmutableArray.CreateBuilder<Message>(array.GetArrayLength());
        int index = 0;
        foreach (var item in array.EnumerateArray())
            builder.Add(MessageAt(item, $"{path}[{index++}]"));
        return builder.MoveToImmutable();
    }

    private static Message MessageAt(JsonElement element, string path)
    {
        RequireKind(element, JsonValueKind.Object, path, "a message object");
        if (!TryGetNonNull(element, "role", out var roleElement))
            throw new HarmonyJsonException(path, "missing required field \"role\"");
        var rolePath = path + ".role";
        RequireKind(roleElement, JsonValueKind.String, rolePath, "a role string");
        var roleName = Text(roleElement, rolePath);
        if (!RoleNames.TryParse(roleName, out var role))
            throw new HarmonyJsonException(rolePath, $"unknown role \"{roleName}\" (expected user, assistant, system, developer or tool)");

        var name = OptionalString(element, "name", path);
        var recipient = OptionalString(element, "recipient", path);
        var channel = OptionalString(element, "channel", path);
        var contentType = OptionalString(element, "content_type", path);

        if (!TryGetNonNull(element, "content", out var contentElement))
            throw new HarmonyJsonException(path, "missing required field \"content\"");
        var contentPath = path + ".content";
        ImmutableArray<Content> content;
        if (contentElement.ValueKind == JsonValueKind.String)
        {
            content = [new TextContent(Text(contentElement, contentPath))];
        }
        else
        {
            RequireKind(contentElement, JsonValueKind.Array, contentPath, "a string or an array of content parts");
            var builder = ImmutableArray.CreateBuilder<Content>(contentElement.GetArrayLength());
            int index = 0;
            foreach (var part in contentElement.EnumerateArray())
                builder.Add(ReadContent(part, $"{contentPath}[{index++}]"));
            content = builder.MoveToImmutable();
        }

        var author = name is null ? Author.Of(role) : new Author(role, name);
        return new Message(author, content, channel, recipient, contentType);
    }

    public static Content ReadContent(JsonElement element, string path)
    {
        RequireKind(element, JsonValueKind.Object, path, "a content part object {\"type\": ...}");
        if (!TryGetNonNull(element, "type", out var typeElement))
            throw new HarmonyJsonException(path, "missing required field \"type\"");
        RequireKind(typeElement, JsonValueKind.String, path + ".type", "a content type string");
        switch (Text(typeElement, path + ".type"))
        {
            case "text":
                return new TextContent(RequiredString(element, "text", path));
            case "system_content":
                return ReadSystemContent(element, path);
            case "developer_content":
                return new DeveloperContent
                {
                    Instructions = OptionalString(element, "instructions", path),
                    Tools = OptionalTools(element, path),
                };
            case var other:
                throw new HarmonyJsonException(path + ".type",
                    $"unknown content type \"{other}\" (expected \"text\", \"system_content\" or \"developer_content\")");
        }
    }

    private static SystemContent ReadSystemContent(JsonElement element, string path)
    {
        ReasoningEffort? effort = null;
        if (TryGetNonNull(element, "reasoning_effort", out var effortElement))
        {
            var effortPath = path + ".reasoning_effort";
            RequireKind(effortElement, JsonValueKind.String, effortPath, "\"Low\", \"Medium\" or \"High\"");
            effort = Text(effortElement, effortPath) switch
            {
                "Low" => ReasoningEffort.Low,
                "Medium" => ReasoningEffort.Medium,
                "High" => ReasoningEffort.High,
                var other => throw new HarmonyJsonException(effortPath,
                    $"unknown reasoning effort \"{other}\" (expected \"Low\", \"Medium\" or \"High\")"),
            };
        }

        ChannelConfig? channelConfig = null;
        if (TryGetNonNull(element, "channel_config", out var configElement))
        {
            var configPath = path + ".channel_config";
            RequireKind(configElement, JsonValueKind.Object, configPath, "a channel config object");
            if (!TryGetNonNull(configElement, "valid_channels", out var channels))
                throw new HarmonyJsonException(configPath, "missing required field \"valid_channels\"");
            if (!TryGetNonNull(configElement, "channel_required", out var required))
                throw new HarmonyJsonException(configPath, "missing required field \"channel_required\"");
            if (required.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw Expected(configPath + ".channel_required", "true or false", required);
            channelConfig = new ChannelConfig(ReadStringArray(channels, configPath + ".valid_channels"), required.GetBoolean());
        }

        return new SystemContent
        {
            ModelIdentity = OptionalString(element, "model_identity", path),
            ReasoningEffort = effort,
            ConversationStartDate = OptionalString(element, "conversation_start_date", path),
            KnowledgeCutoff = OptionalString(element, "knowledge_cutoff", path),
            ChannelConfig = channelConfig,
            Tools = OptionalTools(element, path),
        };
    }

    private static ImmutableSortedDictionary<string, ToolNamespaceConfig>? OptionalTools(JsonElement parent, string parentPath)
    {
        if (!TryGetNonNull(parent, "tools", out var tools))
            return null;
        var path = parentPath + ".tools";
        RequireKind(tools, JsonValueKind.Object, path, "an object of tool namespaces by name");
        var builder = ToolNamespaceMap.Empty.ToBuilder();
        foreach (var property in tools.EnumerateObject())
        {
            var key = Name(property, path);
            var nsPath = path + MemberPath(key);
            var ns = property.Value;
            RequireKind(ns, JsonValueKind.Object, nsPath, "a tool namespace object");
            var toolsPath = nsPath + ".tools";
            if (!TryGetNonNull(ns, "tools", out var toolArray))
                throw new HarmonyJsonException(nsPath, "missing required field \"tools\"");
            RequireKind(toolArray, JsonValueKind.Array, toolsPath, "an array of tools");
            var toolBuilder = ImmutableArray.CreateBuilder<ToolDescription>(toolArray.GetArrayLength());
            int index = 0;
            foreach (var tool in toolArray.EnumerateArray())
            {
                var toolPath = $"{toolsPath}[{index++}]";
                RequireKind(tool, JsonValueKind.Object, toolPath, "a tool object");
                JsonElement? parameters = null;
                if (tool.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
                    parameters = p;
                toolBuilder.Add(new ToolDescription(
                    RequiredString(tool, "name", toolPath), RequiredString(tool, "description", toolPath), parameters));
            }
            builder[key] = new ToolNamespaceConfig(
                RequiredString(ns, "name", nsPath), OptionalString(ns, "description", nsPath), toolBuilder.MoveToImmutable());
        }
        return builder.ToImmutable();
    }

    private static ImmutableArray<string> ReadStringArray(JsonElement array, string path)
    {
        RequireKind(array, JsonValueKind.Array, path, "an array of strings");
        var builder = ImmutableArray.CreateBuilder<string>(array.GetArrayLength());
        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Expected($"{path}[{index}]", "a string", item);
            builder.Add(Text(item, $"{path}[{index}]"));
            index++;
        }
        return builder.MoveToImmutable();
    }

    private static string RequiredString(JsonElement parent, string name, string parentPath)
    {
        if (!TryGetNonNull(parent, name, out var value))
            throw new HarmonyJsonException(parentPath, $"missing required field \"{name}\"");
        if (value.ValueKind != JsonValueKind.String)
            throw Expected(parentPath + MemberPath(name), "a string", value);
        return Text(value, parentPath + MemberPath(name));
    }

    private static string? OptionalString(JsonElement parent, string name, string parentPath)
    {
        if (!TryGetNonNull(parent, name, out var value))
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw Expected(parentPath + MemberPath(name), "a string or null", value);
        return Text(value, parentPath + MemberPath(name));
    }

    /// <summary>A JSON string's text; a lone surrogate escape such as "\ud800" is refused (as serde_json does).</summary>
    private static string Text(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new HarmonyJsonException(path, System.Text.Unicode.Utf8.IsValid(JsonMarshal.GetRawUtf8Value(value))
                ? "invalid string: lone UTF-16 surrogate escape"
                : "invalid string: the bytes are not valid UTF-8");
        }
    }

    private static string Name(JsonProperty property, string parentPath)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw new HarmonyJsonException(parentPath, System.Text.Unicode.Utf8.IsValid(JsonMarshal.GetRawUtf8PropertyName(property))
                ? "invalid property name: lone UTF-16 surrogate escape"
                : "invalid property name: the bytes are not valid UTF-8");
        }
    }

    /// <summary>Every string and property name must be readable (and tool schemas must be, or rendering would fail later).</summary>
    private static void CheckStrings(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Text(element, path);
                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (var item in element.EnumerateArray())
                    CheckStrings(item, $"{path}[{index++}]");
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    CheckStrings(property.Value, path + MemberPath(Name(property, path)));
                break;
        }
    }

    private static bool TryGetNonNull(JsonElement parent, string name, [NotNullWhen(true)] out JsonElement value) =>
        parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static void RequireKind(JsonElement element, JsonValueKind kind, string path, string expected)
    {
        if (element.ValueKind != kind)
            throw Expected(path, expected, element);
    }

    private static HarmonyJsonException Expected(string path, string expected, JsonElement found) =>
        new(path, $"expected {expected}, found {Describe(found)}");

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {Truncate(element.GetRawText())}",
        JsonValueKind.Number => $"the number {Truncate(element.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    /// <summary>A member step of a JSON path: <c>.name</c>, or <c>['odd name']</c> when the name is not a plain identifier.</summary>
    internal static string MemberPath(string name)
    {
        bool plain = name.Length > 0 && !char.IsAsciiDigit(name[0]);
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                plain = false;
                break;
            }
        }
        return plain ? "." + name : "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";
    }
}
