using System.Globalization;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Engine;
using ToolCall = Campfire.Harmony.Model.ToolCall;
using Campfire.Harmony.Tools;
using HarmonyReasoningEffort = Campfire.Harmony.Model.ReasoningEffort;
using Microsoft.Extensions.AI;

namespace Campfire.Extensions.AI;

/// <summary>
/// Maps a Microsoft.Extensions.AI request onto a fresh <see cref="HarmonyEngine"/>, which renders it the way gpt-oss
/// was trained: identity, reasoning effort and date in the Harmony system message; the application's system
/// prompt and per-request instructions as the developer message's instructions; <c>AIFunction</c>s as the
/// <c>functions</c> namespace; reasoning as analysis messages, answers on the final channel, tool calls as
/// commentary messages to <c>functions.NAME</c>, and results as messages authored by <c>functions.NAME</c>.
/// </summary>
public static class HarmonyChatMapping
{
    public const string FunctionsNamespace = ToolConfig.FunctionsNamespace;

    /// <summary>AdditionalProperties key for the reasoning effort ("low", "medium", "high" or a Harmony <c>ReasoningEffort</c>).</summary>
    public const string ReasoningEffortKey = "reasoning_effort";

    /// <summary>AdditionalProperties key on a FunctionCallContent: the exact arguments text the model wrote (re-rendered verbatim).</summary>
    public const string RawArgumentsKey = "harmony.arguments";

    /// <summary>AdditionalProperties key on a FunctionCallContent: the call's content type (e.g. "&lt;|constrain|&gt;json").</summary>
    public const string ContentTypeKey = "harmony.content_type";

    /// <summary>AdditionalProperties key on a FunctionCallContent or TextContent: its Harmony channel when not the default.</summary>
    public const string ChannelKey = "harmony.channel";

    /// <summary>AdditionalProperties key on the last update / the response: the parser's repairs, if any.</summary>
    public const string DiagnosticsKey = "harmony.diagnostics";

    /// <summary>A new engine holding the request's instructions, tools and history, ready for <c>RunAsync</c>.</summary>
    public static HarmonyEngine ToEngine(IEnumerable<ChatMessage> messages, ChatOptions? options, HarmonyChatClientOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(defaults);

        var engine = CreateEngine(options, defaults);
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var message in messages)
            AddMessage(engine, message, callNames, index++);
        AddInstructions(engine, options);
        return engine;
    }

    /// <summary>An engine with the request's header settings and tools, and no messages yet.</summary>
    internal static HarmonyEngine CreateEngine(ChatOptions? options, HarmonyChatClientOptions defaults)
    {
        var engine = new HarmonyEngine(new HarmonyEngineOptions
        {
            ModelIdentity = defaults.ModelIdentity,
            KnowledgeCutoff = defaults.KnowledgeCutoff,
            ReasoningEffort = ResolveReasoningEffort(options, defaults.DefaultReasoningEffort),
            ConversationStartDate = StartDate(defaults),
            AutoDropAnalysis = true,
            FinalAnswerNote = null,
        });
        RegisterTools(engine, options);
        return engine;
    }

    /// <summary>
    /// Everything <see cref="CreateEngine"/> reads, as one text: two requests with equal keys get engines that render the
    /// same header and map messages the same way (tools decide how calls are mapped), so one's engine can serve the other.
    /// </summary>
    internal static string EngineKey(ChatOptions? options, HarmonyChatClientOptions defaults)
    {
        var key = new StringBuilder();
        Field(defaults.ModelIdentity);
        Field(defaults.KnowledgeCutoff);
        Field(ResolveReasoningEffort(options, defaults.DefaultReasoningEffort).ToString());
        Field(StartDate(defaults));
        foreach (var function in OfferedFunctions(options))
        {
            Field(function.Name);
            Field(function.Description);
            Field(Parameters(function));
        }
        return key.ToString();

        // Length-prefixed, so no text can imitate a field boundary; -1 marks null.
        void Field(string? value) => key.Append(value?.Length ?? -1).Append(':').Append(value);
    }

    /// <summary>Maps one request message onto <paramref name="engine"/>; <paramref name="callNames"/> carries the call
    /// ids seen so far to the tool results that answer them.</summary>
    internal static void AddMessage(HarmonyEngine engine, ChatMessage message, Dictionary<string, string> callNames, int index)
    {
        ArgumentNullException.ThrowIfNull(message, "messages");
        var role = message.Role;
        if (role == ChatRole.System)
            AddIfAny(engine, engine.CreateSystemMessage(RequireText(message, index)));
        else if (role.Value.Equals("developer", StringComparison.OrdinalIgnoreCase))
            AddIfAny(engine, engine.CreateDeveloperMessage(RequireText(message, index)));
        else if (role == ChatRole.User)
            engine.AddMessage(engine.CreateUserMessage(RequireText(message, index)));
        else if (role == ChatRole.Assistant)
            AddAssistant(engine, message, callNames, index);
        else if (role == ChatRole.Tool)
            AddToolResults(engine, message, callNames, index);
        else
            throw new HarmonyChatException($"message {index}: role '{role.Value}' has no Harmony equivalent (use system, user, assistant or tool)");
    }

    /// <summary>The request's <c>ChatOptions.Instructions</c>, after the history (they join the developer message).</summary>
    internal static void AddInstructions(HarmonyEngine engine, ChatOptions? options)
    {
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
            engine.AddMessage(engine.CreateDeveloperMessage(options.Instructions));
    }

    private static string StartDate(HarmonyChatClientOptions defaults) =>
        defaults.ConversationStartDate ?? DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static HarmonyReasoningEffort ResolveReasoningEffort(ChatOptions? options, HarmonyReasoningEffort fallback)
    {
        if (options?.AdditionalProperties?.TryGetValue(ReasoningEffortKey, out var value) == true && value is not null)
        {
            return value switch
            {
                HarmonyReasoningEffort effort => effort,
                Microsoft.Extensions.AI.ReasoningEffort abstraction => FromAbstraction(abstraction),
                string text when Enum.TryParse<HarmonyReasoningEffort>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _) => parsed,
                JsonElement { ValueKind: JsonValueKind.String } json when Enum.TryParse<HarmonyReasoningEffort>(json.GetString(), ignoreCase: true, out var parsed)
                                                                        && !int.TryParse(json.GetString(), out _) => parsed,
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

    /// <summary>Registers the request's AIFunctions as <c>functions.NAME</c> (no handler: the caller's pipeline runs them).</summary>
    private static void RegisterTools(HarmonyEngine engine, ChatOptions? options)
    {
        foreach (var function in OfferedFunctions(options))
        {
            try
            {
                engine.RegisterTool(ToolConfig.Function(function.Name, function.Description, Parameters(function)));
            }
            catch (ArgumentException e)
            {
                throw new HarmonyChatException($"tool '{function.Name}' cannot be offered to gpt-oss: {e.Message}");
            }
        }
    }

    private static IEnumerable<AIFunctionDeclaration> OfferedFunctions(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode)
            yield break;
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration function)
                throw new HarmonyChatException($"tool '{tool.Name}' ({tool.GetType().Name}) is not a function; only AIFunction tools can be rendered for gpt-oss");
            yield return function;
        }
    }

    private static string? Parameters(AIFunctionDeclaration function)
    {
        var schema = function.JsonSchema;
        return schema.ValueKind == JsonValueKind.Object && HasParameters(schema) ? schema.GetRawText() : null;
    }

    private static bool HasParameters(JsonElement schema) =>
        schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.EnumerateObject().Any();

    private static void AddIfAny(HarmonyEngine engine, HarmonyMessage message)
    {
        if (message.Content.Length > 0)
            engine.AddMessage(message);
    }

    private static string RequireText(ChatMessage message, int index)
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
                    throw new HarmonyChatException($"message {index} ({message.Role.Value}): {content.GetType().Name} is not supported; gpt-oss takes text only");
            }
        }
        return text.ToString();
    }

    private static void AddAssistant(HarmonyEngine engine, ChatMessage message, Dictionary<string, string> callNames, int index)
    {
        // Consecutive parts of one channel are one Harmony message: streamed responses arrive as many small parts.
        string? channel = null;
        var text = new StringBuilder();
        void FlushText()
        {
            if (text.Length > 0)
                engine.AddMessage(new HarmonyMessage(HarmonyRole.Assistant, text.ToString()) { Channel = channel });
            text.Clear();
        }
        foreach (var content in message.Contents)
        {
            string? partChannel;
            string partText;
            switch (content)
            {
                case TextReasoningContent reasoning:
                    (partChannel, partText) = ("analysis", reasoning.Text);
                    break;
                case TextContent plain:
                    (partChannel, partText) = (ChannelOf(plain.AdditionalProperties) ?? "final", plain.Text);
                    break;
                case FunctionCallContent call:
                    FlushText();
                    if (string.IsNullOrEmpty(call.CallId))
                        throw new HarmonyChatException($"message {index}: function call '{call.Name}' has no call id");
                    var recipient = RecipientOf(call);
                    callNames[call.CallId] = recipient;
                    var toolCall = ToolCall.FromRecipient(recipient, RawArguments(call), call.CallId) with
                    {
                        Channel = ChannelOf(call.AdditionalProperties) ?? "commentary",
                        ContentType = ContentTypeOf(call.AdditionalProperties) ?? "<|constrain|>json",
                    };
                    engine.AddMessage(engine.CreateAssistantMessage("", [toolCall]));
                    continue;
                case UsageContent:
                    continue;
                default:
                    throw new HarmonyChatException($"message {index} (assistant): {content.GetType().Name} has no Harmony equivalent");
            }
            if (string.IsNullOrEmpty(partText))
                continue;
            if (partChannel != channel)
                FlushText();
            channel = partChannel;
            text.Append(partText);
        }
        FlushText();
    }

    internal static string RecipientOf(FunctionCallContent call) =>
        call.Name.Contains('.', StringComparison.Ordinal) ? call.Name : $"{FunctionsNamespace}.{call.Name}";

    internal static string? ContentTypeOf(AdditionalPropertiesDictionary? properties) =>
        properties?.TryGetValue(ContentTypeKey, out var value) == true && value is string type ? type : null;

    internal static string? ChannelOf(AdditionalPropertiesDictionary? properties) =>
        properties?.TryGetValue(ChannelKey, out var value) == true && value is string channel ? channel : null;

    internal static string RawArguments(FunctionCallContent call) =>
        call.AdditionalProperties?.TryGetValue(RawArgumentsKey, out var raw) == true && raw is string text
            ? text
            : JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);

    private static void AddToolResults(HarmonyEngine engine, ChatMessage message, Dictionary<string, string> callNames, int index)
    {
        foreach (var content in message.Contents)
        {
            if (content is not FunctionResultContent result)
            {
                if (content is TextContent { Text.Length: 0 } or UsageContent)
                    continue;
                throw new HarmonyChatException($"message {index} (tool): {content.GetType().Name} is not a FunctionResultContent");
            }
            if (!callNames.TryGetValue(result.CallId, out var recipient))
                throw new HarmonyChatException($"message {index} (tool): the result for call id '{result.CallId}' answers no earlier function call");
            engine.AddMessage(engine.CreateToolMessage(new ToolResult(result.CallId, recipient, ResultText(result), result.Exception is not null)));
        }
    }

    internal static string ResultText(FunctionResultContent result)
    {
        if (result.Exception is { } e)
            return $"Error: {e.Message}";
        return result.Result switch
        {
            null => "null",
            string s => s,
            JsonElement json => json.ValueKind == JsonValueKind.String ? json.GetString()! : json.GetRawText(),
            var other => JsonSerializer.Serialize(other, AIJsonUtilities.DefaultOptions),
        };
    }
}
