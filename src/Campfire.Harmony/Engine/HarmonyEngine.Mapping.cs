using System.Collections.Immutable;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

// Mapping between the engine's application messages and the reference's Harmony model, both ways.
public sealed partial class HarmonyEngine
{
    /// <summary>The conversation as Harmony messages: one system message (identity, effort, dates, channels, built-in
    /// tools), one developer message (instructions and function tools) when there is anything to say, then the rest.
    /// Calls go on the commentary channel (analysis for built-in tools) unless they name one, answers on final.</summary>
    /// <returns>A new conversation; the engine's own is not changed.</returns>
    public Conversation ToHarmonyConversation()
    {
        var system = new SystemContent
        {
            ModelIdentity = Options.ModelIdentity,
            ReasoningEffort = Options.ReasoningEffort,
            KnowledgeCutoff = Options.KnowledgeCutoff,
            ConversationStartDate = Options.ConversationStartDate,
            ChannelConfig = ChannelConfig.Default,
        };
        var developer = DeveloperContent.Empty;
        var functionTools = new List<ToolDescription>();
        foreach (var tool in _tools)
        {
            if (tool.IsBuiltIn)
                system = system.WithTools(BuiltInNamespace(tool));
            else if (tool.Namespace == ToolConfig.FunctionsNamespace)
                functionTools.Add(Describe(tool.Definition));
            else
                developer = developer.WithTools(new ToolNamespaceConfig(tool.Namespace, tool.Definition.Description,
                    tool.IsNamespace ? [.. tool.Methods.Select(Describe)] : [Describe(tool.Definition)]));
        }
        if (functionTools.Count > 0) developer = developer.WithFunctionTools(functionTools);

        var instructions = string.Join("\n\n", _messages.Where(HistoryTrimmer.IsPinned).Select(m => m.Content).Where(t => t.Length > 0));
        if (instructions.Length > 0) developer = developer.WithInstructions(instructions);

        var harmony = ImmutableArray.CreateBuilder<Message>();
        harmony.Add(Message.System(system));
        if (developer.Instructions is not null || developer.Tools is { Count: > 0 }) harmony.Add(Message.Developer(developer));

        var calls = new Dictionary<string, ToolCall>(StringComparer.Ordinal);
        foreach (var message in _messages)
        {
            switch (message.Role)
            {
                case HarmonyRole.System or HarmonyRole.Developer:
                    break;
                case HarmonyRole.User:
                    harmony.Add(Message.User(message.Content).WithChannel(message.Channel));
                    break;
                case HarmonyRole.Assistant when message.HasToolCalls:
                    if (message.Content.Length > 0)
                        harmony.Add(Message.Assistant(message.Content).WithChannel(message.Channel ?? "commentary"));
                    foreach (var call in message.ToolCalls)
                    {
                        calls[call.CallId] = call;
                        var builtIn = FindTool(call.Recipient)?.IsBuiltIn ?? BuiltInToolNamespaces.IsBuiltInRecipient(call.Recipient);
                        harmony.Add(Message.Assistant(call.Args)
                            .WithChannel(call.Channel ?? (builtIn ? "analysis" : "commentary"))
                            .WithRecipient(call.Recipient)
                            .WithContentType(call.ContentType ?? (builtIn ? null : "<|constrain|>json")));
                    }
                    break;
                case HarmonyRole.Assistant:
                    harmony.Add(Message.Assistant(message.Content).WithChannel(message.Channel ?? "final"));
                    break;
                case HarmonyRole.Tool:
                    var answered = message.CallId is not null && calls.TryGetValue(message.CallId, out var c) ? c : null;
                    var channel = message.Channel ?? answered?.Channel
                        ?? (answered is not null && (FindTool(answered.Recipient)?.IsBuiltIn ?? false) ? "analysis" : "commentary");
                    harmony.Add(Message.Tool(message.Name!, message.Content).WithRecipient("assistant").WithChannel(channel));
                    break;
            }
        }
        return new Conversation(harmony.ToImmutable());
    }

    /// <summary>Token ids for the assistant's next turn (ending in <c>&lt;|start|&gt;assistant</c>) and the ids that end
    /// it. Earlier turns' analysis messages are left out when <see cref="HarmonyEngineOptions.AutoDropAnalysis"/> is on.</summary>
    /// <exception cref="EngineRenderException">The renderer rejected the conversation; the cause is inside.</exception>
    public RenderedPrompt RenderConversation()
    {
        var conversation = ToHarmonyConversation();
        try
        {
            return new RenderedPrompt(_codec.RenderForCompletion(conversation, Options.AutoDropAnalysis), _codec.StopTokensForAssistantActions);
        }
        catch (Exception e) when (e is HarmonyException or ArgumentException or InvalidOperationException or JsonException)
        {
            throw new EngineRenderException($"Cannot render the conversation for the model: {e.Message}", e);
        }
    }

    /// <summary>
    /// Parses what the model generated after <paramref name="prefillIds"/> (default: the usual
    /// <c>&lt;|start|&gt;assistant</c> prefill). Malformed completions never throw: the parse is lenient and its
    /// repairs are listed in <see cref="ParsedCompletion.Diagnostics"/>. Does not change the conversation, but each tool
    /// call found gets a fresh call id.
    /// </summary>
    /// <param name="completionTokens">The generated ids, stop token included or not.</param>
    /// <param name="prefillIds">The prompt the completion followed (or its tail from the last <c>&lt;|start|&gt;</c>);
    /// only that last header matters: its role is the first message's author, and when it goes on past the role (a
    /// forced recipient or channel) the parse reads it together with the completion. Empty: an assistant turn.</param>
    public ParsedCompletion ParseCompletion(ReadOnlySpan<int> completionTokens, ReadOnlySpan<int> prefillIds = default)
    {
        CodecParseResult parsed;
        var lastStart = prefillIds.LastIndexOf(_codec.StartTokenId);
        if (lastStart < 0)
        {
            parsed = _codec.ParseLenient(completionTokens, Role.Assistant);
        }
        else if (RoleNames.TryParse(_codec.Decode(prefillIds[(lastStart + 1)..]), out var role))
        {
            parsed = _codec.ParseLenient(completionTokens, role);
        }
        else
        {
            // The prefill already opened a header (e.g. a channel): parse that header together with the completion.
            var tail = prefillIds[lastStart..];
            var joined = new int[tail.Length + completionTokens.Length];
            tail.CopyTo(joined);
            completionTokens.CopyTo(joined.AsSpan(tail.Length));
            parsed = _codec.ParseLenient(joined, null);
        }

        var messages = ImmutableArray.CreateBuilder<HarmonyMessage>(parsed.Messages.Length);
        var calls = ImmutableArray.CreateBuilder<ToolCall>();
        foreach (var message in parsed.Messages)
        {
            var converted = FromHarmony(message);
            messages.Add(converted);
            calls.AddRange(converted.ToolCalls);
        }
        return new ParsedCompletion(messages.ToImmutable(), calls.ToImmutable(), parsed.Diagnostics);
    }

    private HarmonyMessage FromHarmony(Message message)
    {
        if (ToolCall.IsCall(message))
            return new HarmonyMessage(HarmonyRole.Assistant, "") { ToolCalls = [ToolCall.FromMessage(message, NewCallId())!] };
        return new HarmonyMessage(message.Role.ToEngineRole(), ToolCall.TextOf(message)) { Channel = message.Channel, Name = message.Author.Name };
    }

    private static ToolDescription Describe(ToolDefinition definition) =>
        definition.Parameters is { } parameters
            ? new ToolDescription(definition.Name, definition.Description ?? "", parameters)
            : new ToolDescription(definition.Name, definition.Description ?? "");

    private static ToolNamespaceConfig BuiltInNamespace(ToolConfig tool)
    {
        var reference = BuiltInToolNamespaces.Get(tool.Namespace);
        return reference with { Description = tool.Definition.Description ?? reference.Description };
    }
}
