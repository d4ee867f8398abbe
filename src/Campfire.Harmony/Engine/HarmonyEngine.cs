using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>The prompt for the assistant's next turn and the ids that end that turn.</summary>
public sealed record RenderedPrompt(ImmutableArray<int> PrefillIds, ImmutableArray<int> StopIds);

/// <summary>What a completion contained: its messages in engine terms, the tool calls among them, and any format
/// problems the lenient parse repaired.</summary>
public sealed record ParsedCompletion(ImmutableArray<HarmonyMessage> Messages, ImmutableArray<ToolCall> ToolCalls, ImmutableArray<string> Diagnostics);

/// <summary>
/// The orchestration API: keeps a conversation, maps it onto Harmony (system header, developer instructions, tool
/// namespaces, calls and results), renders it for the model, parses what the model writes, and runs the tool loop
/// (<see cref="RunAsync"/>). One engine holds one conversation; it is not thread-safe.
/// </summary>
public sealed class HarmonyEngine
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

    // --- rendering ------------------------------------------------------------------------------------------------

    /// <summary>The conversation as Harmony messages: one system message (identity, effort, dates, channels, built-in
    /// tools), one developer message (instructions and function tools) when there is anything to say, then the rest.</summary>
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
                        var builtIn = FindTool(call.Recipient)?.IsBuiltIn ?? ToolConfig.BuiltInNamespaces.Any(n => call.Recipient.StartsWith(n + ".", StringComparison.Ordinal));
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

    /// <summary>Token ids for the assistant's next turn and the ids that end it. Rendering problems surface as
    /// <see cref="EngineRenderException"/> with the cause inside.</summary>
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

    // --- parsing --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Parses what the model generated after <paramref name="prefillIds"/> (default: the usual
    /// <c>&lt;|start|&gt;assistant</c> prefill). Malformed completions never throw: the parse is lenient and its
    /// repairs are listed in <see cref="ParsedCompletion.Diagnostics"/>. Does not change the conversation.
    /// </summary>
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
        var text = TextOf(message);
        if (message.Role == Role.Assistant && message.Recipient is { Length: > 0 } recipient && recipient != "assistant" && recipient != "all")
        {
            var call = ToolCall.FromRecipient(recipient, text, NewCallId()) with { Channel = message.Channel, ContentType = message.ContentType };
            return new HarmonyMessage(HarmonyRole.Assistant, "") { ToolCalls = [call] };
        }
        var role = message.Role switch
        {
            Role.System => HarmonyRole.System,
            Role.Developer => HarmonyRole.Developer,
            Role.User => HarmonyRole.User,
            Role.Tool => HarmonyRole.Tool,
            _ => HarmonyRole.Assistant,
        };
        return new HarmonyMessage(role, text) { Channel = message.Channel, Name = message.Author.Name };
    }

    private static string TextOf(Message message)
    {
        if (message.Content.Length == 1 && message.Content[0] is TextContent single) return single.Text;
        var builder = new StringBuilder();
        foreach (var part in message.Content)
            if (part is TextContent text) builder.Append(text.Text);
        return builder.ToString();
    }

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

    // --- the tool loop --------------------------------------------------------------------------------------------

    /// <summary>Executes one call with its registered handler. Never throws for tool failures: unknown tools, bad
    /// arguments and exceptions thrown by the handler become error results the model can read. Cancellation of
    /// <paramref name="cancellationToken"/> is rethrown.</summary>
    public async Task<ToolResult> ExecuteToolCallAsync(ToolCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var tool = FindTool(call.Recipient);
        if (tool is null)
        {
            var known = _tools.Count == 0 ? "none" : string.Join(", ", _tools.Select(t => t.IsNamespace ? t.RecipientPrefix + ".*" : t.RecipientPrefix));
            return Error(call, false, $"Unknown tool `{call.Recipient}`. Available tools: {known}.");
        }
        if (tool.IsNamespace && !tool.Methods.Any(m => m.Name == call.Method))
            return Error(call, tool.IsBuiltIn, $"Unknown function: {call.Method}");
        if (tool.Handler is null)
            return Error(call, tool.IsBuiltIn, $"Tool `{call.Recipient}` is not available in this application.");
        if (!tool.IsBuiltIn && tool.Definition.Parameters is not null && !IsJsonObject(call.Args))
            return Error(call, false, $"Arguments for `{call.Recipient}` must be a JSON object matching its schema, got: {BrowserText.Truncate(call.Args, 200)}");
        try
        {
            var content = await tool.Handler.InvokeAsync(call, cancellationToken).ConfigureAwait(false);
            return new ToolResult(call.CallId, call.Recipient, content ?? "");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ToolUsageException e)
        {
            return Error(call, tool.IsBuiltIn, e.Message);
        }
        catch (Exception e)
        {
            return Error(call, tool.IsBuiltIn, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static readonly JsonSerializerOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Function tools get {"error": ...} JSON like gpt-oss's reference tools; built-in tools plain text, as its browser does.
    private static ToolResult Error(ToolCall call, bool plainText, string message) =>
        new(call.CallId, call.Recipient, plainText ? message : JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = message }, ErrorJson), IsError: true);

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs the model until it answers: render → generate (parsing tokens as they stream) → on a tool call, execute it,
    /// append call and result, and go again → stop at the final answer. At most
    /// <see cref="EngineRunOptions.MaxToolRounds"/> rounds of tool calls. Cancelling stops generation and tools
    /// promptly with <see cref="OperationCanceledException"/>; what was appended before stays.
    /// </summary>
    public async IAsyncEnumerable<EngineEvent> RunAsync(
        ITokenGenerator generator,
        EngineRunOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        options ??= EngineRunOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxToolRounds, nameof(options));
        var forcedHeader = options.RequiredToolCall is { } required ? RequiredCallHeader(required) : [];
        var runUsage = EngineUsage.Zero;
        var toolRounds = 0;
        var round = 0;
        var reason = StopReason.NoFinalAnswer;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            round++;
            var turnClock = Stopwatch.StartNew();
            var prompt = RenderConversation();
            var header = round == 1 ? forcedHeader : [];
            if (!header.IsEmpty)
                prompt = prompt with { PrefillIds = prompt.PrefillIds.AddRange(header) };
            var tokens = new List<int>();
            var stream = options.StreamDeltas ? _codec.CreateDeltaStream() : null;
            foreach (var headerToken in header)
                stream?.Push(headerToken, out _);
            string? streamProblem = null;
            var firstToken = TimeSpan.Zero;
            var generationClock = Stopwatch.StartNew();

            await foreach (var token in generator.GenerateAsync(prompt.PrefillIds.AsMemory(), prompt.StopIds.AsMemory(), options.Generation, cancellationToken)
                               .WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (tokens.Count == 0) firstToken = turnClock.Elapsed;
                tokens.Add(token);
                if (stream is not null)
                {
                    StreamDelta delta = default;
                    var hasDelta = false;
                    try
                    {
                        hasDelta = stream.Push(token, out delta);
                    }
                    catch (HarmonyException e)
                    {
                        streamProblem = e.Message;
                        stream = null; // the batch parse below repairs the completion; stop streaming this turn
                    }
                    if (hasDelta) yield return new ContentDelta(round, delta.Channel, delta.Recipient, delta.Text);
                    if (streamProblem is not null) yield return new ParseDiagnostic(round, $"streaming stopped: {streamProblem}");
                }
                if (prompt.StopIds.Contains(token)) break;
            }
            generationClock.Stop();

            var parsed = ParseCompletion(CollectionsMarshalSpan(tokens), prompt.PrefillIds.AsSpan());
            foreach (var diagnostic in parsed.Diagnostics) yield return new ParseDiagnostic(round, diagnostic);
            foreach (var message in parsed.Messages)
            {
                _messages.Add(message);
                yield return new MessageCompleted(round, message);
            }

            var toolClock = new Stopwatch();
            var executed = 0;
            var last = parsed.Messages.IsEmpty ? null : parsed.Messages[^1];
            FinalAnswer? final = null;
            // A turn cut off by the token limit is neither a complete call nor a complete answer.
            var cutOff = tokens.Count > 0 && tokens.Count >= options.Generation.MaxTokens && !prompt.StopIds.Contains(tokens[^1]);
            if (cutOff)
            {
                reason = StopReason.MaxTokens;
            }
            else if (last is { HasToolCalls: true } && toolRounds < options.MaxToolRounds)
            {
                toolRounds++;
                foreach (var call in last.ToolCalls)
                {
                    yield return new ToolCallStarted(round, call);
                    toolClock.Start();
                    var started = toolClock.Elapsed;
                    var result = await ExecuteToolCallAsync(call, cancellationToken).ConfigureAwait(false);
                    toolClock.Stop();
                    executed++;
                    var resultMessage = CreateToolMessage(result);
                    _messages.Add(resultMessage);
                    yield return new ToolCallFinished(round, call, result, toolClock.Elapsed - started);
                }
            }
            else if (last is { HasToolCalls: true })
            {
                reason = StopReason.ToolRoundLimit;
            }
            else if (parsed.Messages.LastOrDefault(IsFinal) is { } answer)
            {
                final = Finalize(round, answer);
                reason = StopReason.FinalAnswer;
            }
            else
            {
                reason = StopReason.NoFinalAnswer;
            }

            var turnUsage = new EngineUsage(prompt.PrefillIds.Length, tokens.Count, 1, executed, firstToken,
                generationClock.Elapsed, toolClock.Elapsed, turnClock.Elapsed);
            runUsage = runUsage.Add(turnUsage);
            _usage = _usage.Add(turnUsage);

            if (final is not null)
            {
                foreach (var problem in final.Citations.Where(c => !c.IsValid)) yield return new CitationProblem(round, problem);
                yield return final;
            }
            yield return new UsageReport(round, turnUsage);
            if (executed == 0) break;
        }
        yield return new RunCompleted(round, reason, runUsage);
    }

    /// <summary>The header ids that follow <c>&lt;|start|&gt;assistant</c> to force a call (see
    /// <see cref="EngineRunOptions.RequiredToolCall"/>): up to the namespace for "any tool of it", so the model picks
    /// the method, or the whole recipient.</summary>
    private ImmutableArray<int> RequiredCallHeader(string required)
    {
        string recipient;
        if (required.EndsWith('.'))
        {
            recipient = required[..^1];
            if (recipient.Length == 0 || !_tools.Any(t => t.Namespace == recipient))
                throw new ArgumentException($"RequiredToolCall '{required}': no tool of namespace '{recipient}' is registered.", "options");
        }
        else
        {
            recipient = required;
            if (FindTool(recipient) is null || recipient.IndexOf('.', StringComparison.Ordinal) < 0)
                throw new ArgumentException($"RequiredToolCall '{required}' is not a registered tool (registered: {string.Join(", ", _tools.Select(t => t.RecipientPrefix))}).", "options");
        }
        return _codec.EncodeHeaderText(" to=" + recipient);
    }

    private static ReadOnlySpan<int> CollectionsMarshalSpan(List<int> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);

    private static bool IsFinal(HarmonyMessage message) =>
        message.Role == HarmonyRole.Assistant && !message.HasToolCalls && (message.Channel is null or "final");

    private FinalAnswer Finalize(int round, HarmonyMessage answer)
    {
        var source = _tools.Select(t => t.Handler).OfType<ICitationSource>().FirstOrDefault();
        var citations = CitationParser.Resolve(answer.Content, source);
        _citationProblems.AddRange(citations.Where(c => !c.IsValid));
        var display = Options.FinalAnswerNote is { Length: > 0 } note ? $"{answer.Content}\n\n{note}" : answer.Content;
        return new FinalAnswer(round, answer, display, citations);
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

    private static ToolDescription Describe(ToolDefinition definition) =>
        definition.Parameters is { } parameters
            ? new ToolDescription(definition.Name, definition.Description ?? "", parameters)
            : new ToolDescription(definition.Name, definition.Description ?? "");

    private static ToolNamespaceConfig BuiltInNamespace(ToolConfig tool)
    {
        var reference = tool.Namespace == "python" ? ToolNamespaceConfig.Python : ToolNamespaceConfig.Browser;
        return reference with { Description = tool.Definition.Description ?? reference.Description };
    }
}
