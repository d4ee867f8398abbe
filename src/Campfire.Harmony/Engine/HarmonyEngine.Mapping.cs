using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
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
        var harmony = ImmutableArray.CreateBuilder<Message>();
        harmony.AddRange(CurrentHeader());
        var calls = new Dictionary<string, ToolCall>(StringComparer.Ordinal);
        foreach (var message in _messages) harmony.AddRange(Map(message, calls));
        return new Conversation(harmony.ToImmutable());
    }

    /// <summary>Token ids for the assistant's next turn (ending in <c>&lt;|start|&gt;assistant</c>) and the ids that end
    /// it. Earlier turns' analysis messages are left out when <see cref="HarmonyEngineOptions.AutoDropAnalysis"/> is on.
    /// The engine keeps its conversation rendered between calls (its living conversation), so a call after appending
    /// messages tokenizes only those; the result always equals rendering <see cref="ToHarmonyConversation"/> afresh.</summary>
    /// <exception cref="EngineRenderException">The renderer rejected the conversation; the cause is inside.</exception>
    public RenderedPrompt RenderConversation()
    {
        var ids = SyncLive().RenderForCompletion(Role.Assistant);
        return new RenderedPrompt(ImmutableCollectionsMarshal.AsImmutableArray(ids), _codec.StopTokensForAssistantActions);
    }

    // --- the living conversation ------------------------------------------------------------------------------------
    // The rendering of the engine's messages is kept between turns: the system and developer messages are built once
    // per change of tools or instructions, each engine message is mapped to Harmony messages once (the same Message
    // objects every turn, so the renderer's caches hit), and the incremental renderer tokenizes only appended messages.
    // Anything that changes earlier messages (trimming, clearing, tools, instructions) rebuilds the rendering from the
    // cached pieces on the next render.

    /// <summary>The living rendering, brought up to date with <see cref="_messages"/>.</summary>
    private IncrementalRenderer SyncLive()
    {
        try
        {
            var header = CurrentHeader();
            if (!_liveValid || _live is null)
            {
                // Rebuilt from the cached pieces: the renderer copies the ids it cached for each Message object.
                _live ??= _codec.CreateRenderer(Options.AutoDropAnalysis);
                _live.Clear();
                _liveCalls.Clear();
                _liveMessages = 0;
                foreach (var message in header) _live.Append(message);
                _liveEnds.Clear();
                _liveEnds.Add(_live.MessageCount);
                _liveChangedAt = -1; // rebuilt: nothing known about the previous prompt
                if (_mapped.Count > 2 * _messages.Count + 64) ForgetRemovedMappings(); // bounded memory
                _liveValid = true;
            }
            while (_liveMessages < _messages.Count)
            {
                foreach (var harmony in MapCached(_messages[_liveMessages]))
                {
                    var changedAt = _live.Append(harmony);
                    if (_liveChangedAt >= 0) _liveChangedAt = Math.Min(_liveChangedAt, changedAt);
                }
                _liveMessages++;
                _liveEnds.Add(_live.MessageCount);
            }
            return _live;
        }
        catch (Exception e) when (e is HarmonyException or ArgumentException or InvalidOperationException or JsonException)
        {
            _liveValid = false; // a half-appended message: rebuild next time
            throw new EngineRenderException($"Cannot render the conversation for the model: {e.Message}", e);
        }
    }

    /// <summary>The system and developer messages for the current tools, options and instructions. After a change of
    /// instructions the header is looked up again; when it comes back as the same shared objects (the instructions
    /// came back as they were, e.g. a request's instructions removed and added again), the living rendering stays.</summary>
    private Message[] CurrentHeader()
    {
        if (_header is null || _headerStale)
        {
            var header = MessageInterner.InternHeader(HeaderKey(), BuildHeader);
            if (!ReferenceEquals(header, _header)) _liveValid = false;
            _header = header;
            _headerStale = false;
        }
        return _header;
    }

    /// <summary>Forgets the living rendering; the next render rebuilds it from the cached pieces.</summary>
    private void InvalidateLive(bool header = false, bool mappings = false)
    {
        _liveValid = false;
        if (header) _header = null;
        if (mappings) _mapped.Clear();
    }

    /// <summary>Drops the mappings of messages no longer in the conversation (trimmed or cleared), keeping the others:
    /// forgetting those would make their Harmony messages new objects that the renderer tokenizes again.</summary>
    private void ForgetRemovedMappings()
    {
        var current = new HashSet<HarmonyMessage>(_messages, ReferenceEqualityComparer.Instance);
        foreach (var message in _mapped.Keys.ToList())
            if (!current.Contains(message)) _mapped.Remove(message);
    }

    private Message[] MapCached(HarmonyMessage message)
    {
        ToolCall? answered = null;
        if (message.Role == HarmonyRole.Tool && message.CallId is { } callId) _liveCalls.TryGetValue(callId, out answered);
        if (message.HasToolCalls)
            foreach (var call in message.ToolCalls) _liveCalls[call.CallId] = call;
        if (_mapped.TryGetValue(message, out var cached) && ReferenceEquals(cached.Answered, answered)) return cached.Messages;
        var mapped = Map(message, answered);
        for (var i = 0; i < mapped.Length; i++) mapped[i] = MessageInterner.Intern(mapped[i]);
        _mapped[message] = new MappedMessage(mapped, answered);
        return mapped;
    }

    private readonly record struct MappedMessage(Message[] Messages, ToolCall? Answered);

    /// <summary>Everything <see cref="BuildHeader"/> reads, as one text: engines with the same options, tools and
    /// instructions share one header, so the renderer's caches of its tool schemas hit across engines.</summary>
    private string HeaderKey()
    {
        var key = new System.Text.StringBuilder();
        key.Append(Options.ModelIdentity).Append('\u0001').Append((int)Options.ReasoningEffort).Append('\u0001')
            .Append(Options.KnowledgeCutoff).Append('\u0001').Append(Options.ConversationStartDate);
        foreach (var tool in _tools)
        {
            key.Append('\u0002').Append(tool.RecipientPrefix);
            Definition(tool.Definition);
            foreach (var method in tool.Methods.IsDefault ? [] : tool.Methods) Definition(method);
        }
        foreach (var message in _messages)
            if (HistoryTrimmer.IsPinned(message)) key.Append('\u0003').Append(message.Content.Length).Append(':').Append(message.Content);
        return key.ToString();

        void Definition(ToolDefinition definition) =>
            key.Append('\u0004').Append(definition.Name).Append('\u0001').Append(definition.Description?.Length ?? -1).Append(':')
                .Append(definition.Description).Append('\u0001').Append(definition.ParametersJson?.Length ?? -1).Append(':').Append(definition.ParametersJson);
    }

    /// <summary>The system message (identity, effort, dates, channels, built-in tools) and, when there is anything to
    /// say, the developer message (instructions and function tools).</summary>
    private Message[] BuildHeader()
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

        return developer.Instructions is not null || developer.Tools is { Count: > 0 }
            ? [Message.System(system), Message.Developer(developer)]
            : [Message.System(system)];
    }

    private Message[] Map(HarmonyMessage message, Dictionary<string, ToolCall> calls)
    {
        ToolCall? answered = null;
        if (message.Role == HarmonyRole.Tool && message.CallId is { } callId) calls.TryGetValue(callId, out answered);
        if (message.HasToolCalls)
            foreach (var call in message.ToolCalls) calls[call.CallId] = call;
        return Map(message, answered);
    }

    /// <summary>One engine message as Harmony messages. Calls go on the commentary channel (analysis for built-in
    /// tools) unless they name one, answers on final; a tool result on the channel of the call it answers.</summary>
    private Message[] Map(HarmonyMessage message, ToolCall? answered)
    {
        switch (message.Role)
        {
            case HarmonyRole.User:
                return [Message.User(message.Content).WithChannel(message.Channel)];
            case HarmonyRole.Assistant when message.HasToolCalls:
                var result = new List<Message>(message.ToolCalls.Length + 1);
                if (message.Content.Length > 0)
                    result.Add(Message.Assistant(message.Content).WithChannel(message.Channel ?? "commentary"));
                foreach (var call in message.ToolCalls)
                {
                    var builtIn = FindTool(call.Recipient)?.IsBuiltIn ?? BuiltInToolNamespaces.IsBuiltInRecipient(call.Recipient);
                    result.Add(Message.Assistant(call.Args)
                        .WithChannel(call.Channel ?? (builtIn ? "analysis" : "commentary"))
                        .WithRecipient(call.Recipient)
                        .WithContentType(call.ContentType ?? (builtIn ? null : "<|constrain|>json")));
                }
                return [.. result];
            case HarmonyRole.Assistant:
                return [Message.Assistant(message.Content).WithChannel(message.Channel ?? "final")];
            case HarmonyRole.Tool:
                var channel = message.Channel ?? answered?.Channel
                    ?? (answered is not null && (FindTool(answered.Recipient)?.IsBuiltIn ?? false) ? "analysis" : "commentary");
                return [Message.Tool(message.Name!, message.Content).WithRecipient("assistant").WithChannel(channel)];
            default: // system and developer messages go into the header
                return [];
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
