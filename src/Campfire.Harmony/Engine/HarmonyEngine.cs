using System.Collections.Immutable;
using Campfire.Harmony.Model;
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
    private EngineUsage _usage = EngineUsage.Zero;

    public HarmonyEngine(HarmonyEngineOptions? options = null)
        : this(options, HarmonyCodec.Instance)
    {
    }

    internal HarmonyEngine(HarmonyEngineOptions? options, IHarmonyCodec codec)
    {
        Options = options ?? HarmonyEngineOptions.Default;
        _codec = codec;
    }

    public HarmonyEngineOptions Options { get; }

    /// <summary>The conversation so far, in order.</summary>
    public IReadOnlyList<HarmonyMessage> Messages => _messages;

    public IReadOnlyList<ToolConfig> Tools => _tools;

    // --- tools ----------------------------------------------------------------------------------------------------

    /// <summary>Registers a tool; throws <see cref="ArgumentException"/> naming the problem (duplicate name, overlapping namespace, namespace without methods).</summary>
    public HarmonyEngine RegisterTool(ToolConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.ValidateAgainst(_tools);
        _tools.Add(config);
        return this;
    }

    /// <summary>Registers a tool with its handler.</summary>
    public HarmonyEngine RegisterTool(ToolConfig config, ITool handler)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(handler);
        return RegisterTool(config with { Handler = handler });
    }

    /// <summary>The registration that handles <paramref name="recipient"/>, or null.</summary>
    public ToolConfig? FindTool(string recipient) => _tools.FirstOrDefault(t => t.Matches(recipient));

    // --- messages -------------------------------------------------------------------------------------------------

    public void AddMessage(HarmonyMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Validate(message);
        _messages.Add(message);
    }

    public void AddMessages(IEnumerable<HarmonyMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages) AddMessage(message);
    }

    /// <summary>The application's instructions. Rendered as gpt-oss expects: the model identity, reasoning effort and
    /// dates go in the Harmony system message, this text in the developer message's instructions.</summary>
    public HarmonyMessage CreateSystemMessage(string text) => new(HarmonyRole.System, RequireText(text, nameof(text)));

    /// <summary>Further developer instructions (appended after the system text in the developer message).</summary>
    public HarmonyMessage CreateDeveloperMessage(string instructions) => new(HarmonyRole.Developer, RequireText(instructions, nameof(instructions)));

    public HarmonyMessage CreateUserMessage(string text) => new(HarmonyRole.User, RequireText(text, nameof(text)));

    /// <summary>An assistant message; with <paramref name="toolCalls"/>, the text (if any) is the preamble on the
    /// commentary channel and each call becomes a message to its tool.</summary>
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
        return new HarmonyMessage(HarmonyRole.Assistant, content) { ToolCalls = calls };
    }

    /// <summary>The message carrying a tool's result; it renders authored by the tool and addressed to the assistant.</summary>
    public HarmonyMessage CreateToolMessage(ToolResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (string.IsNullOrWhiteSpace(result.Recipient))
            throw new ArgumentException("A tool result needs the name of the tool that produced it.", nameof(result));
        ArgumentNullException.ThrowIfNull(result.Content, nameof(result));
        return new HarmonyMessage(HarmonyRole.Tool, result.Content)
        {
            Name = result.Recipient,
            CallId = result.CallId,
            IsError = result.IsError,
            Channel = FindCall(result.CallId)?.Channel,
        };
    }

    /// <summary>A call to <paramref name="recipient"/> with a fresh call id (for building conversations by hand).</summary>
    public ToolCall CreateToolCall(string recipient, string args) => ToolCall.FromRecipient(recipient, args, NewCallId());

    // --- multi-turn -----------------------------------------------------------------------------------------------

    /// <summary>Adds the user's message, trims the history to <paramref name="maxHistory"/> messages (see
    /// <see cref="HistoryTrimmer"/>), and renders the prompt for the assistant's reply.</summary>
    public RenderedPrompt HandleMultiTurnConversation(string userMessage, int maxHistory = 10) =>
        HandleMultiTurnConversation(CreateUserMessage(userMessage), maxHistory);

    public RenderedPrompt HandleMultiTurnConversation(HarmonyMessage userMessage, int maxHistory = 10)
    {
        ArgumentNullException.ThrowIfNull(userMessage);
        if (userMessage.Role != HarmonyRole.User)
            throw new ArgumentException($"Expected a user message, got {userMessage.Role}.", nameof(userMessage));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHistory, 1);
        AddMessage(userMessage);
        TrimHistory(maxHistory);
        return RenderConversation();
    }

    /// <summary>Trims the conversation in place (see <see cref="HistoryTrimmer.Trim"/>).</summary>
    public void TrimHistory(int maxHistory)
    {
        var trimmed = HistoryTrimmer.Trim(_messages, maxHistory);
        _messages.Clear();
        _messages.AddRange(trimmed);
    }

    /// <summary>Message and tool-call counts, registered tools, the rendered prompt's token count, citation problems
    /// and the usage of all runs so far.</summary>
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

    /// <summary>Forgets the conversation (and resets the tools' per-conversation state, e.g. the browser's pages).
    /// System and developer messages stay unless <paramref name="keepInstructions"/> is false; tools stay registered.</summary>
    public void ClearConversation(bool keepInstructions = true)
    {
        if (keepInstructions) _messages.RemoveAll(m => !HistoryTrimmer.IsPinned(m));
        else _messages.Clear();
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

    private string NewCallId() => $"call_{++_nextCallId}";

    private static string RequireText(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text, name);
        return text;
    }
}
