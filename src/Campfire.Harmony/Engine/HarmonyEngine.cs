using System.Buffers;
using System.Collections.Immutable;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>
/// The orchestration API: keeps a conversation, maps it onto Harmony (system header, developer instructions, tool
/// namespaces, calls and results), renders it for the model, parses what the model writes, and runs the tool loop
/// (<see cref="RunAsync"/>). One engine holds one conversation; it is not thread-safe.
/// </summary>
public sealed partial class HarmonyEngine
{
    private readonly IHarmonyCodec _codec;
    private readonly List<HarmonyMessage> _messages = [];
    private readonly List<ToolConfig> _tools = [];
    private readonly List<ResolvedCitation> _citationProblems = [];
    private int _nextCallId;
    private readonly HashSet<string> _madeCallIds = new(StringComparer.Ordinal);
    private EngineUsage _usage = EngineUsage.Zero;

    // The living conversation (see HarmonyEngine.Mapping.cs): the rendering kept in step with _messages.
    private IncrementalRenderer? _live;
    private bool _liveValid;
    private int _liveChangedAt = -1;    // first token index changed since the last prompt; -1: rebuilt, unknown
    private int _liveLengthAtPrompt;    // the living rendering's length when the last prompt was rendered
    private int _liveMessages;
    private Message[]? _header;
    private bool _headerStale;          // instructions changed: look the header up again before the next render
    private readonly List<int> _liveEnds = []; // [0]: the header's message count in _live; [i + 1]: after engine message i
    private Constraints.HarmonyTokenGrammar? _grammar;   // RunAsync's constrained runs: the grammar of _grammarHeader
    private Message[]? _grammarHeader;
    private readonly Dictionary<string, ToolCall> _liveCalls = new(StringComparer.Ordinal);
    private readonly Dictionary<HarmonyMessage, MappedMessage> _mapped = new(ReferenceEqualityComparer.Instance);

    // RunAsync's prompt buffers, swapped each round: _sent holds the previous prompt and the ids generated after it
    // (what _lastGenerator holds in its cache), _prompt the one being rendered.
    private ArrayBufferWriter<int> _prompt = new(4096);
    private ArrayBufferWriter<int> _sent = new(4096);
    private ITokenGenerator? _lastGenerator;

    /// <summary>An engine with an empty conversation and no tools, bound to the o200k_harmony tokenizer and the Harmony
    /// renderer and parser.</summary>
    /// <param name="options">How the system header is written; null uses <see cref="HarmonyEngineOptions.Default"/>.</param>
    public HarmonyEngine(HarmonyEngineOptions? options = null)
        : this(options, HarmonyCodec.Instance)
    {
    }

    internal HarmonyEngine(HarmonyEngineOptions? options, IHarmonyCodec codec)
    {
        Options = options ?? HarmonyEngineOptions.Default;
        _codec = codec;
    }

    /// <summary>The options given to the constructor (or the defaults); fixed for the engine's lifetime.</summary>
    public HarmonyEngineOptions Options { get; }

    /// <summary>The conversation so far, in order: a live view that changes as messages are added, trimmed or cleared.</summary>
    public IReadOnlyList<HarmonyMessage> Messages => _messages;

    /// <summary>The registered tools, in registration order (a live view).</summary>
    public IReadOnlyList<ToolConfig> Tools => _tools;

    // --- tools ----------------------------------------------------------------------------------------------------

    /// <summary>Registers a tool: it is described to the model from the next render on, and its calls are executed by
    /// <see cref="ToolConfig.Handler"/> (a tool without one is described, but its calls get an error result).</summary>
    /// <param name="config">The registration.</param>
    /// <returns>This engine, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
    /// <exception cref="ArgumentException">The registration clashes with the registered tools (same recipient prefix,
    /// a namespace overlapping another tool of that namespace) or is a namespace without methods; the message names the
    /// problem and nothing is registered.</exception>
    public HarmonyEngine RegisterTool(ToolConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ValidateAgainst(_tools);
        _tools.Add(config);
        InvalidateLive(header: true, mappings: true);
        return this;
    }

    /// <summary>Registers a tool with <paramref name="handler"/> in place of the registration's own
    /// <see cref="ToolConfig.Handler"/>.</summary>
    /// <param name="config">The registration.</param>
    /// <param name="handler">Executes the tool's calls.</param>
    /// <returns>This engine, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">As for <see cref="RegisterTool(ToolConfig)"/>.</exception>
    public HarmonyEngine RegisterTool(ToolConfig config, ITool handler)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(handler);
        return RegisterTool(config with { Handler = handler });
    }

    /// <summary>The registration that handles calls to <paramref name="recipient"/> (see <see cref="ToolConfig.Matches"/>),
    /// or null when no registered tool does.</summary>
    /// <param name="recipient">A full recipient, e.g. <c>functions.get_weather</c> or <c>browser.search</c>.</param>
    public ToolConfig? FindTool(string recipient) => _tools.FirstOrDefault(t => t.Matches(recipient));

    // --- messages -------------------------------------------------------------------------------------------------

    /// <summary>Appends a message to the conversation.</summary>
    /// <param name="message">The message; build it with the <c>Create…Message</c> methods.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="EngineMessageException">A tool message has no <see cref="HarmonyMessage.Name"/>, a message other
    /// than the assistant's has tool calls, or a call's method disagrees with its recipient (a call given as recipient
    /// prefix and method, <c>("browser", "search")</c>, is stored as <c>browser.search</c>); the conversation is
    /// unchanged.</exception>
    public void AddMessage(HarmonyMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Validate(message);
        message = WithFullRecipients(message);
        if (message.HasToolCalls)
            foreach (var call in message.ToolCalls) _madeCallIds.Add(call.CallId);
        _messages.Add(message);
        if (HistoryTrimmer.IsPinned(message)) _headerStale = true;
    }

    /// <summary>Appends messages in order, each as <see cref="AddMessage"/> does. Not atomic: when one is rejected, the
    /// messages before it stay added.</summary>
    /// <param name="messages">The messages to append.</param>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> or one of its items is null.</exception>
    /// <exception cref="EngineMessageException">A message is invalid (see <see cref="AddMessage"/>).</exception>
    public void AddMessages(IEnumerable<HarmonyMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages) AddMessage(message);
    }

    /// <summary>The application's instructions. Rendered as gpt-oss expects: the model identity, reasoning effort and
    /// dates go in the Harmony system message, this text in the developer message's instructions. The message is
    /// returned, not added.</summary>
    /// <param name="text">The instructions.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public HarmonyMessage CreateSystemMessage(string text) => new(HarmonyRole.System, RequireText(text, nameof(text)));

    /// <summary>Further developer instructions, joined after the system text (by a blank line) in the developer
    /// message's instructions. The message is returned, not added.</summary>
    /// <param name="instructions">The instructions.</param>
    /// <exception cref="ArgumentNullException"><paramref name="instructions"/> is null.</exception>
    public HarmonyMessage CreateDeveloperMessage(string instructions) => new(HarmonyRole.Developer, RequireText(instructions, nameof(instructions)));

    /// <summary>A user message; returned, not added.</summary>
    /// <param name="text">What the user wrote.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public HarmonyMessage CreateUserMessage(string text) => new(HarmonyRole.User, RequireText(text, nameof(text)));

    /// <summary>An assistant message (returned, not added); with <paramref name="toolCalls"/>, the text (if any) is the
    /// preamble on the commentary channel and each call becomes a message to its tool.</summary>
    /// <param name="content">The text; empty for calls without a preamble.</param>
    /// <param name="toolCalls">The calls the message makes (see <see cref="CreateToolCall"/>); null or empty for a plain
    /// answer.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> or a call is null.</exception>
    /// <exception cref="ArgumentException">A call has no recipient, or two calls share a call id.</exception>
    /// <exception cref="EngineMessageException">A call's method disagrees with its recipient. A call written as the seed
    /// writes it, recipient prefix and method (<c>new ToolCall("browser", "search", args, "search_1")</c>), is taken as
    /// <c>browser.search</c>; one with the full recipient (<c>new ToolCall("browser.search", "search", …)</c>) must name
    /// the same method.</exception>
    public HarmonyMessage CreateAssistantMessage(string content, IEnumerable<ToolCall>? toolCalls = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        var calls = toolCalls?.ToImmutableArray() ?? [];
        foreach (var call in calls)
        {
            ArgumentNullException.ThrowIfNull(call, nameof(toolCalls));
            if (string.IsNullOrWhiteSpace(call.Recipient))
                throw new ArgumentException("A tool call needs a recipient.", nameof(toolCalls));
        }
        if (calls.Select(c => c.CallId).Distinct(StringComparer.Ordinal).Count() != calls.Length)
            throw new ArgumentException("Tool call ids must be unique within a message.", nameof(toolCalls));
        var full = calls.Select(WithFullRecipient).ToImmutableArray();
        foreach (var call in full) _madeCallIds.Add(call.CallId);
        return new HarmonyMessage(HarmonyRole.Assistant, content) { ToolCalls = full };
    }

    /// <summary>The message carrying a tool's result (returned, not added); it renders authored by the tool and addressed
    /// to the assistant, on the channel of the call it answers when that call is in the conversation.</summary>
    /// <param name="result">The result; its <see cref="ToolResult.CallId"/> should name a call in the conversation.</param>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> or its content is null.</exception>
    /// <exception cref="ArgumentException">The result does not name the tool that produced it.</exception>
    /// <exception cref="EngineMessageException">The result's call id names no call made in this engine.</exception>
    public HarmonyMessage CreateToolMessage(ToolResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (string.IsNullOrWhiteSpace(result.Recipient))
            throw new ArgumentException("A tool result needs the name of the tool that produced it.", nameof(result));
        ArgumentNullException.ThrowIfNull(result.Content, nameof(result));
        if (result.CallId is null || !_madeCallIds.Contains(result.CallId))
            throw new EngineMessageException($"The result from '{result.Recipient}' answers call id '{result.CallId}', but no call with that id was made (call ids come from CreateToolCall, CreateAssistantMessage or the model's parsed calls).");
        return new HarmonyMessage(HarmonyRole.Tool, result.Content)
        {
            Name = result.Recipient,
            CallId = result.CallId,
            IsError = result.IsError,
            Channel = FindCall(result.CallId)?.Channel,
        };
    }

    /// <summary>A call to <paramref name="recipient"/> with a fresh call id (<c>call_1</c>, <c>call_2</c>... unique within
    /// this engine), for building conversations by hand.</summary>
    /// <param name="recipient">The full recipient, e.g. <c>functions.get_weather</c>; need not be registered.</param>
    /// <param name="args">The arguments as the model would write them (JSON for function tools); null is taken as empty.</param>
    /// <exception cref="ArgumentException"><paramref name="recipient"/> is null, empty or white space.</exception>
    public ToolCall CreateToolCall(string recipient, string args) => ToolCall.FromRecipient(recipient, args, NewCallId());

    // --- multi-turn -----------------------------------------------------------------------------------------------

    /// <summary>Adds the user's message, trims the history to whole exchanges (see
    /// <see cref="HistoryTrimmer.TrimExchanges"/>), and renders the prompt for the assistant's reply.</summary>
    /// <param name="userMessage">What the user wrote.</param>
    /// <param name="maxHistory">How many messages to keep besides system and developer messages, counting every message
    /// (questions, answers, analysis, each call and each result); at least 1. Exchanges (a user message and everything up
    /// to the next one) are dropped oldest first and whole, so an answer never stays without its question nor a call
    /// without its results, and the new question's exchange always stays.</param>
    /// <returns>The prompt; generate from it and give the completion to <see cref="ParseCompletion"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="userMessage"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHistory"/> is less than 1.</exception>
    /// <exception cref="EngineRenderException">The conversation cannot be rendered.</exception>
    public RenderedPrompt HandleMultiTurnConversation(string userMessage, int maxHistory = 10) =>
        HandleMultiTurnConversation(CreateUserMessage(userMessage), maxHistory);

    /// <summary>Adds <paramref name="userMessage"/>, trims the history to whole exchanges (see
    /// <see cref="HistoryTrimmer.TrimExchanges"/>), and renders the prompt for the assistant's reply.</summary>
    /// <param name="userMessage">A message with <see cref="HarmonyRole.User"/>.</param>
    /// <param name="maxHistory">How many messages to keep besides system and developer messages, counting every message;
    /// at least 1. Older exchanges are dropped whole (see the other overload).</param>
    /// <returns>The prompt; generate from it and give the completion to <see cref="ParseCompletion"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="userMessage"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="userMessage"/> is not a user message.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHistory"/> is less than 1.</exception>
    /// <exception cref="EngineRenderException">The conversation cannot be rendered (the message stays added).</exception>
    public RenderedPrompt HandleMultiTurnConversation(HarmonyMessage userMessage, int maxHistory = 10)
    {
        ArgumentNullException.ThrowIfNull(userMessage);
        if (userMessage.Role != HarmonyRole.User)
            throw new ArgumentException($"Expected a user message, got {userMessage.Role}.", nameof(userMessage));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHistory, 1);
        AddMessage(userMessage);
        var trimmed = HistoryTrimmer.TrimExchanges(_messages, maxHistory);
        if (trimmed.Count != _messages.Count)
        {
            _messages.Clear();
            _messages.AddRange(trimmed);
            InvalidateLive();
        }
        return RenderConversation();
    }

    /// <summary>Trims the conversation in place (see <see cref="HistoryTrimmer.Trim"/>).</summary>
    /// <param name="maxHistory">Messages to keep besides system and developer messages; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHistory"/> is less than 1.</exception>
    public void TrimHistory(int maxHistory)
    {
        var trimmed = HistoryTrimmer.Trim(_messages, maxHistory);
        if (trimmed.Count == _messages.Count) return; // nothing dropped: the living rendering stays as it is
        _messages.Clear();
        _messages.AddRange(trimmed);
        InvalidateLive();
    }

    /// <summary>Removes the messages from <paramref name="messageCount"/> on, keeping the first
    /// <paramref name="messageCount"/>. The living rendering keeps what it had rendered for the kept messages, so the
    /// next render tokenizes nothing it rendered before (a host that goes back to an earlier point of a conversation,
    /// e.g. a chat client whose requests repeat the history, pays only for what follows). The call ids of removed calls
    /// are forgotten unless a kept message makes the same call; citation problems and usage are kept.</summary>
    /// <param name="messageCount">How many leading messages to keep; <see cref="Messages"/>'s count keeps all.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageCount"/> is negative or more than the
    /// number of messages.</exception>
    public void TruncateConversation(int messageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(messageCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messageCount, _messages.Count);
        if (messageCount == _messages.Count) return;

        HashSet<string>? removedCalls = null;
        for (var i = messageCount; i < _messages.Count; i++)
        {
            var message = _messages[i];
            if (HistoryTrimmer.IsPinned(message)) _headerStale = true;
            if (message.HasToolCalls)
                foreach (var call in message.ToolCalls) (removedCalls ??= new(StringComparer.Ordinal)).Add(call.CallId);
        }
        _messages.RemoveRange(messageCount, _messages.Count - messageCount);
        if (removedCalls is not null)
        {
            foreach (var message in _messages)
                if (message.HasToolCalls)
                    foreach (var call in message.ToolCalls) removedCalls.Remove(call.CallId);
            _madeCallIds.ExceptWith(removedCalls);
        }

        if (_liveValid && _live is not null && _liveMessages > messageCount)
        {
            var changedAt = _live.Truncate(_liveEnds[messageCount]);
            _liveEnds.RemoveRange(messageCount + 1, _liveEnds.Count - messageCount - 1);
            _liveMessages = messageCount;
            if (_liveChangedAt >= 0) _liveChangedAt = Math.Min(_liveChangedAt, changedAt);
            _liveCalls.Clear();
            foreach (var message in _messages)
                if (message.HasToolCalls)
                    foreach (var call in message.ToolCalls) _liveCalls[call.CallId] = call;
        }
        if (_mapped.Count > 2 * _messages.Count + 64) ForgetRemovedMappings(); // bounded memory
    }

    /// <summary>Message and tool-call counts, registered tools, the rendered prompt's token count, citation problems
    /// and the usage of all runs so far. Renders the conversation to count its tokens.</summary>
    /// <exception cref="EngineRenderException">The conversation cannot be rendered.</exception>
    public ConversationSummary GetConversationSummary()
    {
        var byRole = _messages.GroupBy(m => m.Role).ToImmutableDictionary(g => g.Key, g => g.Count());
        return new ConversationSummary(
            _messages.Count,
            _messages.Sum(m => m.ToolCalls.IsDefaultOrEmpty ? 0 : m.ToolCalls.Length),
            [.. _tools.Select(t => t.RecipientPrefix)],
            RenderConversation().PrefillIds.Length,
            byRole,
            [.. _citationProblems],
            _usage);
    }

    /// <summary>Forgets the conversation, its citation problems and usage, and resets the tools' per-conversation state
    /// (<see cref="ITool.Reset"/>, e.g. the browser's pages). Tools stay registered; call ids keep counting up.</summary>
    /// <param name="keepInstructions">Keep system and developer messages (the default); false empties the conversation.</param>
    public void ClearConversation(bool keepInstructions = true)
    {
        if (keepInstructions) _messages.RemoveAll(m => !HistoryTrimmer.IsPinned(m));
        else _messages.Clear();
        InvalidateLive(header: !keepInstructions);
        foreach (var tool in _tools) tool.Handler?.Reset();
        _citationProblems.Clear();
        _usage = EngineUsage.Zero;
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private void Validate(HarmonyMessage message)
    {
        switch (message.Role)
        {
            case HarmonyRole.Tool when string.IsNullOrWhiteSpace(message.Name):
                throw new EngineMessageException("A tool message needs the name of the tool that wrote it (e.g. 'functions.get_weather').");
            case HarmonyRole.Tool when message.HasToolCalls:
            case HarmonyRole.User or HarmonyRole.System or HarmonyRole.Developer when message.HasToolCalls:
                throw new EngineMessageException($"Only assistant messages can make tool calls, not {message.Role} messages.");
        }
    }

    private ToolCall? FindCall(string? callId)
    {
        if (callId is null) return null;
        for (var i = _messages.Count - 1; i >= 0; i--)
            foreach (var call in _messages[i].ToolCalls.IsDefault ? [] : _messages[i].ToolCalls)
                if (call.CallId == callId) return call;
        return null;
    }

    private string NewCallId()
    {
        var id = $"call_{++_nextCallId}";
        _madeCallIds.Add(id);
        return id;
    }

    /// <summary>The call with its full recipient: the seed writes a call as recipient prefix and method
    /// (<c>("browser", "search")</c>), which means <c>browser.search</c>; a full recipient must end in its method.</summary>
    private static ToolCall WithFullRecipient(ToolCall call)
    {
        if (string.IsNullOrEmpty(call.Method) || call.Method == call.Recipient) return call;
        var dot = call.Recipient.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return call with { Recipient = call.Recipient + "." + call.Method };
        if (call.Recipient.AsSpan(dot + 1).SequenceEqual(call.Method)) return call;
        throw new EngineMessageException(
            $"Tool call '{call.CallId}' names method '{call.Method}' but recipient '{call.Recipient}' (whose method is '{call.Recipient[(dot + 1)..]}'); write new ToolCall(\"{call.Recipient[..dot]}\", \"{call.Method}\", …) or make them agree.");
    }

    private static HarmonyMessage WithFullRecipients(HarmonyMessage message)
    {
        if (!message.HasToolCalls) return message;
        var changed = false;
        foreach (var call in message.ToolCalls) changed |= !ReferenceEquals(WithFullRecipient(call), call);
        return changed ? message with { ToolCalls = [.. message.ToolCalls.Select(WithFullRecipient)] } : message;
    }

    private static string RequireText(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text, name);
        return text;
    }
}
