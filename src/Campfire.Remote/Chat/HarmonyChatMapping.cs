using System.Globalization;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;
using Microsoft.Extensions.AI;
using HarmonyReasoningEffort = Campfire.Harmony.Model.ReasoningEffort;
using HarmonyText = Campfire.Harmony.Model.TextContent;
using TextContent = Microsoft.Extensions.AI.TextContent;

namespace Campfire.Remote.Chat;

/// <summary>
/// Maps Microsoft.Extensions.AI chat messages and options onto a Harmony conversation the way gpt-oss was trained:
/// the system message carries identity, reasoning effort and date; the application's system prompt and per-request
/// instructions become the developer message's instructions; <c>AIFunction</c>s become its <c>functions</c>
/// namespace; assistant reasoning is the analysis channel, answers the final channel, tool calls commentary
/// messages to <c>functions.NAME</c>, and tool results messages authored by <c>functions.NAME</c>.
/// </summary>
public static class HarmonyChatMapping
{
    public const string FunctionsNamespace = "functions";

    /// <summary>AdditionalProperties key for the reasoning effort ("low", "medium", "high" or a Harmony <c>ReasoningEffort</c>).</summary>
    public const string ReasoningEffortKey = "reasoning_effort";

    /// <summary>AdditionalProperties key on a FunctionCallContent holding the exact arguments text the model produced.</summary>
    public const string RawArgumentsKey = "harmony.arguments";

    /// <summary>AdditionalProperties key on a FunctionCallContent holding the call's content type (e.g. "&lt;|constrain|&gt;json").</summary>
    public const string ContentTypeKey = "harmony.content_type";

    /// <summary>AdditionalProperties key on a TextContent naming its Harmony channel when it is not "final" (e.g. commentary preambles).</summary>
    public const string ChannelKey = "harmony.channel";

    public static Conversation ToConversation(IEnumerable<ChatMessage> messages, ChatOptions? options, HarmonyChatClientOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(defaults);

        var instructions = new StringBuilder();
        var body = new List<Message>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var message in messages)
        {
            var role = message.Role;
            if (role == ChatRole.System || role.Value.Equals("developer", StringComparison.OrdinalIgnoreCase))
                AppendInstructions(instructions, message, index);
            else if (role == ChatRole.User)
                body.Add(Message.User(RequireText(message, index, "user")));
            else if (role == ChatRole.Assistant)
                AddAssistant(body, message, callNames, index);
            else if (role == ChatRole.Tool)
                AddToolResults(body, message, callNames, index);
            else
                throw new HarmonyChatException($"message {index}: role '{role.Value}' has no Harmony equivalent (use system, user, assistant or tool)");
            index++;
        }
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            if (instructions.Length > 0)
                instructions.Append("\n\n");
            instructions.Append(options.Instructions);
        }

        var system = defaults.System
            .WithReasoningEffort(ResolveReasoningEffort(options, defaults.DefaultReasoningEffort))
            .WithConversationStartDate(defaults.ConversationStartDate ?? DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var head = new List<Message> { Message.System(system) };

        var tools = ToToolDescriptions(options);
        if (instructions.Length > 0 || tools.Count > 0)
        {
            var developer = DeveloperContent.Empty.WithInstructions(instructions.Length > 0 ? instructions.ToString() : null);
            if (tools.Count > 0)
                developer = developer.WithFunctionTools(tools);
            head.Add(Message.Developer(developer));
        }
        return Conversation.FromMessages([.. head, .. body]);
    }

    public static HarmonyReasoningEffort ResolveReasoningEffort(ChatOptions? options, HarmonyReasoningEffort fallback)
    {
        if (options?.AdditionalProperties?.TryGetValue(ReasoningEffortKey, out var value) == true && value is not null)
        {
            return value switch
            {
                HarmonyReasoningEffort effort => effort,
                Microsoft.Extensions.AI.ReasoningEffort meai => FromAbstraction(meai),
                string text when Enum.TryParse<HarmonyReasoningEffort>(text, ignoreCase: true, out var parsed) => parsed,
                JsonElement { ValueKind: JsonValueKind.String } json when Enum.TryParse<HarmonyReasoningEffort>(json.GetString(), ignoreCase: true, out var parsed) => parsed,
                _ => throw new HarmonyChatException($"{ReasoningEffortKey} '{value}' is not low, medium or high"),
            };
        }
        if (options?.Reasoning?.Effort is { } requested)
            return FromAbstraction(requested);
        return fallback;
    }

    private static HarmonyReasoningEffort FromAbstraction(Microsoft.Extensions.AI.ReasoningEffort effort) => effort switch
    {
        Microsoft.Extensions.AI.ReasoningEffort.None or Microsoft.Extensions.AI.ReasoningEffort.Low => HarmonyReasoningEffort.Low,
        Microsoft.Extensions.AI.ReasoningEffort.Medium => HarmonyReasoningEffort.Medium,
        _ => HarmonyReasoningEffort.High,
    };

    /// <summary>The request's AIFunctions as Harmony tool descriptions (other tool kinds are rejected: gpt-oss knows no others here).</summary>
    public static List<ToolDescription> ToToolDescriptions(ChatOptions? options)
    {
        var tools = new List<ToolDescription>();
        if (options?.Tools is not { Count: > 0 } requested || options.ToolMode is NoneChatToolMode)
            return tools;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in requested)
        {
            if (tool is not AIFunctionDeclaration function)
                throw new HarmonyChatException($"tool '{tool.Name}' ({tool.GetType().Name}) is not a function; only AIFunction tools can be rendered for gpt-oss");
            if (!IsToolName(function.Name))
                throw new HarmonyChatException($"tool name '{function.Name}' must be letters, digits and '_' (it becomes functions.{function.Name})");
            if (!seen.Add(function.Name))
                throw new HarmonyChatException($"tool '{function.Name}' is given twice");
            var schema = function.JsonSchema;
            tools.Add(new ToolDescription(function.Name, function.Description ?? "",
                schema.ValueKind == JsonValueKind.Object && HasParameters(schema) ? schema : null));
        }
        return tools;
    }

    private static bool HasParameters(JsonElement schema) =>
        schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.EnumerateObject().Any();

    private static bool IsToolName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-');

    private static void AppendInstructions(StringBuilder instructions, ChatMessage message, int index)
    {
        var text = RequireText(message, index, message.Role.Value);
        if (text.Length == 0)
            return;
        if (instructions.Length > 0)
            instructions.Append("\n\n");
        instructions.Append(text);
    }

    private static string RequireText(ChatMessage message, int index, string role)
    {
        var text = new StringBuilder();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case UsageContent:
                    break;
                default:
                    throw new HarmonyChatException($"message {index} ({role}): {content.GetType().Name} is not supported; gpt-oss takes text only here");
            }
        }
        return text.ToString();
    }

    private static void AddAssistant(List<Message> body, ChatMessage message, Dictionary<string, string> callNames, int index)
    {
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextReasoningContent reasoning when !string.IsNullOrEmpty(reasoning.Text):
                    AppendOrAdd(body, "analysis", reasoning.Text);
                    break;
                case TextReasoningContent:
                    break;
                case TextContent text when !string.IsNullOrEmpty(text.Text):
                    var channel = text.AdditionalProperties?.TryGetValue(ChannelKey, out var c) == true && c is string named ? named : "final";
                    AppendOrAdd(body, channel, text.Text);
                    break;
                case TextContent:
                    break;
                case FunctionCallContent call:
                    if (string.IsNullOrEmpty(call.CallId))
                        throw new HarmonyChatException($"message {index}: function call '{call.Name}' has no call id");
                    callNames[call.CallId] = call.Name;
                    body.Add(ToolCallMessage(call));
                    break;
                case UsageContent:
                    break;
                default:
                    throw new HarmonyChatException($"message {index} (assistant): {content.GetType().Name} has no Harmony equivalent");
            }
        }
    }

    /// <summary>Consecutive text of one channel is one Harmony message (the streaming updates were split per token).</summary>
    private static void AppendOrAdd(List<Message> body, string channel, string text)
    {
        if (body.Count > 0 && body[^1] is { Role: Role.Assistant, Recipient: null } last && last.Channel == channel
            && last.Content is [HarmonyText previous])
        {
            body[^1] = last.WithContent(new HarmonyText(previous.Text + text));
            return;
        }
        body.Add(Message.Assistant(text).WithChannel(channel));
    }

    private static Message ToolCallMessage(FunctionCallContent call)
    {
        var arguments = call.AdditionalProperties?.TryGetValue(RawArgumentsKey, out var raw) == true && raw is string rawText
            ? rawText
            : JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);
        var contentType = call.AdditionalProperties?.TryGetValue(ContentTypeKey, out var type) == true && type is string typeText
            ? typeText
            : "<|constrain|>json";
        var recipient = call.Name.Contains('.', StringComparison.Ordinal) ? call.Name : $"{FunctionsNamespace}.{call.Name}";
        return Message.Assistant(arguments).WithChannel("commentary").WithRecipient(recipient).WithContentType(contentType);
    }

    private static void AddToolResults(List<Message> body, ChatMessage message, Dictionary<string, string> callNames, int index)
    {
        foreach (var content in message.Contents)
        {
            if (content is not FunctionResultContent result)
            {
                if (content is TextContent { Text.Length: 0 } or UsageContent)
                    continue;
                throw new HarmonyChatException($"message {index} (tool): {content.GetType().Name} is not a FunctionResultContent");
            }
            if (!callNames.TryGetValue(result.CallId, out var name))
                throw new HarmonyChatException($"message {index} (tool): result for call id '{result.CallId}' has no earlier function call with that id");
            var author = name.Contains('.', StringComparison.Ordinal) ? name : $"{FunctionsNamespace}.{name}";
            body.Add(Message.FromAuthor(Author.Tool(author), ResultText(result)).WithRecipient("assistant").WithChannel("commentary"));
        }
    }

    private static string ResultText(FunctionResultContent result)
    {
        if (result.Exception is { } e)
            return $"Error: {e.Message}";
        return result.Result switch
        {
            null => "null",
            string s => s,
            JsonElement json => json.GetRawText(),
            var other => JsonSerializer.Serialize(other, AIJsonUtilities.DefaultOptions),
        };
    }
}
