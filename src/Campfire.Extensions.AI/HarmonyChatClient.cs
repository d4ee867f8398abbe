using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Campfire.Harmony.Engine;
using ToolCall = Campfire.Harmony.Model.ToolCall;
using Microsoft.Extensions.AI;

namespace Campfire.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> for gpt-oss over <see cref="HarmonyEngine"/> and any <see cref="ITokenGenerator"/>
/// (the local decode loop, Campfire.Remote's <c>RemoteTokenGenerator</c>, a scripted replay). Each request runs on an
/// engine holding its instructions, tools and history, which renders Harmony token ids, generates, and parses the ids as they
/// stream: analysis text arrives as <see cref="TextReasoningContent"/>, answers as <see cref="TextContent"/>, and a
/// call to <c>functions.NAME</c> ends the turn as a <see cref="FunctionCallContent"/>, so
/// <c>UseFunctionInvocation()</c> runs the tool loop and sends results back as <see cref="FunctionResultContent"/>.
/// The engine runs no tool itself here (zero tool rounds): tools belong to the caller's pipeline.
/// <para>
/// Requests carry the whole history each time, so the client keeps the engines of recent requests (an LRU bounded by
/// <see cref="HarmonyChatClientOptions.PrefixCacheConversations"/> and <see cref="HarmonyChatClientOptions.PrefixCacheBytes"/>):
/// a request whose messages start with an earlier request's whole history, equal part by part in everything the
/// mapping reads, and whose header settings and tools are the same, continues that engine: the earlier messages are
/// neither mapped nor rendered again, only the new ones. Anything else (an edited earlier message, other tools or
/// options) gets a new engine; the prompt is the same either way. Each engine serves one request at a time, so
/// concurrent requests are safe.
/// </para>
/// </summary>
public sealed class HarmonyChatClient : IChatClient
{
    private readonly ITokenGenerator _generator;
    private readonly HarmonyChatClientOptions _options;
    private readonly ChatClientMetadata _metadata;
    private readonly ChatPrefixCache _sessions;

    public HarmonyChatClient(ITokenGenerator generator, HarmonyChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        _generator = generator;
        _options = options ?? new HarmonyChatClientOptions();
        if (_options.PrefixCacheConversations < 0)
            throw new ArgumentOutOfRangeException(nameof(options), _options.PrefixCacheConversations, "PrefixCacheConversations must be 0 (no cache) or more");
        if (_options.PrefixCacheBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(options), _options.PrefixCacheBytes, "PrefixCacheBytes must be 0 or more");
        _metadata = new ChatClientMetadata("campfire-harmony", null, _options.ModelId);
        _sessions = new ChatPrefixCache(_options.PrefixCacheConversations, _options.PrefixCacheBytes);
    }

    /// <summary>The conversations kept between requests (for tests and diagnostics).</summary>
    internal ChatPrefixCache Sessions => _sessions;

    public ITokenGenerator Generator => _generator;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.ResponseFormat is ChatResponseFormatJson)
            throw new HarmonyChatException("JSON response formats are not supported by the Harmony chat client; describe the shape in the instructions");

        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var (engine, session) = PrepareEngine(history, options);
        var run = new EngineRunOptions
        {
            Generation = ToGenerationOptions(options), MaxToolRounds = 0, StreamDeltas = true, RequiredToolCall = RequiredToolCall(options),
        };
        var turn = new StreamingTurn(NewId("resp_"), NewId("msg_"), options?.ModelId ?? _options.ModelId,
            new StopSequenceMatcher(options?.StopSequences));

        await foreach (var engineEvent in engine.RunAsync(_generator, run, cancellationToken).ConfigureAwait(false))
        {
            turn.Apply(engineEvent);
            foreach (var update in turn.TakeUpdates())
                yield return update;
            if (turn.StopSequenceMatched)
                break; // leaving the engine's enumeration cancels the generation (a remote request is aborted)
        }
        // The engine is consistent here (a run ended or was left at a token boundary): keep it for the next request,
        // with its history only. A request that failed or was abandoned drops its engine.
        session.Engine.TruncateConversation(session.Keys.Length == 0 ? 0 : session.Keys[^1].EngineMessages);
        _sessions.Return(session with { Bytes = ChatSession.EstimateBytes(turn.PromptTokens, session.Keys) });
        yield return turn.Finish(run.Generation.MaxTokens);
    }

    /// <summary>
    /// The engine for <paramref name="history"/>: a kept one whose history is its leading part, with the rest
    /// mapped onto it, or a new one; and the session to keep afterwards (its keys describe the whole history).
    /// </summary>
    private (HarmonyEngine Engine, ChatSession Session) PrepareEngine(IReadOnlyList<ChatMessage> history, ChatOptions? options)
    {
        var engineKey = HarmonyChatMapping.EngineKey(options, _options);
        var kept = _sessions.Take(engineKey, history);
        var keys = new ChatMessageKey[history.Count];
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        HarmonyEngine engine;
        var matched = 0;
        if (kept is not null)
        {
            engine = kept.Engine;
            matched = kept.Keys.Length;
            Array.Copy(kept.Keys, keys, matched);
            foreach (var key in kept.Keys)
                if (key.Calls is { } calls)
                    foreach (var (callId, recipient) in calls) callNames[callId] = recipient;
        }
        else
        {
            engine = HarmonyChatMapping.CreateEngine(options, _options);
        }
        for (var i = matched; i < history.Count; i++)
        {
            HarmonyChatMapping.AddMessage(engine, history[i], callNames, i);
            keys[i] = ChatMessageKey.Create(history[i], engine.Messages.Count);
        }
        HarmonyChatMapping.AddInstructions(engine, options);
        return (engine, new ChatSession(engineKey, engine, keys, 0));
    }

    /// <summary>
    /// <see cref="ChatToolMode.RequireAny"/> and <see cref="ChatToolMode.RequireSpecific"/> become a prefilled
    /// recipient (<c>&lt;|start|&gt;assistant to=functions[.NAME]</c>), so gpt-oss has to call; a requirement that no
    /// offered tool can meet is the caller's mistake and is refused before anything is generated.
    /// </summary>
    private static string? RequiredToolCall(ChatOptions? options)
    {
        if (options?.ToolMode is not RequiredChatToolMode required)
            return null;
        if (options.Tools is not { Count: > 0 } tools)
            throw new HarmonyChatException("ToolMode requires a tool call, but ChatOptions.Tools offers no tool");
        if (required.RequiredFunctionName is not { } name)
            return "functions.";
        if (!tools.Any(t => string.Equals(t.Name, name, StringComparison.Ordinal)))
            throw new HarmonyChatException($"ToolMode requires a call to '{name}', which is not among ChatOptions.Tools ({string.Join(", ", tools.Select(t => t.Name))})");
        return "functions." + name;
    }

    private GenerationOptions ToGenerationOptions(ChatOptions? options)
    {
        var maxTokens = options?.MaxOutputTokens ?? _options.DefaultMaxOutputTokens;
        if (maxTokens <= 0)
            throw new HarmonyChatException($"MaxOutputTokens must be positive, not {maxTokens}");
        int? seed = null;
        if (options?.Seed is { } requested)
        {
            if (requested is < int.MinValue or > int.MaxValue)
                throw new HarmonyChatException($"Seed {requested} does not fit the generators' 32-bit seed");
            seed = (int)requested;
        }
        var temperature = options?.Temperature ?? _options.DefaultTemperature;
        var topP = options?.TopP ?? _options.DefaultTopP;
        if (float.IsNaN(temperature) || temperature < 0)
            throw new HarmonyChatException($"Temperature must be >= 0, not {temperature}");
        if (float.IsNaN(topP) || topP <= 0 || topP > 1)
            throw new HarmonyChatException($"TopP must be in (0, 1], not {topP}");
        return new GenerationOptions { MaxTokens = maxTokens, Temperature = temperature, TopP = topP, Seed = seed };
    }

    internal static string NewId(string prefix)
    {
        Span<byte> random = stackalloc byte[9];
        RandomNumberGenerator.Fill(random);
        return prefix + Convert.ToHexStringLower(random);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
            return null;
        if (serviceType == typeof(ChatClientMetadata))
            return _metadata;
        if (serviceType.IsInstanceOfType(this))
            return this;
        if (serviceType.IsInstanceOfType(_generator))
            return _generator;
        return null;
    }

    /// <summary>Forgets the kept conversations. The generator belongs to the caller (several clients may share one), so
    /// it is not disposed.</summary>
    public void Dispose() => _sessions.Clear();

    /// <summary>
    /// Turns engine events into updates: streamed deltas as reasoning or text (through the stop-sequence filter),
    /// completed tool-call messages as function calls with fresh unique ids, usage and finish reason at the end.
    /// </summary>
    private sealed class StreamingTurn(string responseId, string messageId, string modelId, StopSequenceMatcher stops)
    {
        private readonly List<ChatResponseUpdate> _updates = [];
        private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
        private readonly Dictionary<string, StringBuilder> _streamed = new(StringComparer.Ordinal);
        private readonly Dictionary<string, StringBuilder> _completed = new(StringComparer.Ordinal);
        private readonly List<string> _diagnostics = [];
        private string? _textChannel;
        private int _reasoningTokens;
        private int _toolCalls;
        private EngineUsage? _usage;
        private StopReason? _reason;

        public bool StopSequenceMatched { get; private set; }

        public int PromptTokens => _usage?.PromptTokens ?? 0;

        public void Apply(EngineEvent engineEvent)
        {
            switch (engineEvent)
            {
                case ContentDelta delta when !ToolCall.IsToolRecipient(delta.Recipient):
                    OnText(delta.Channel ?? "final", delta.Text, streamed: true);
                    break;
                case MessageCompleted { Message.HasToolCalls: true } completed:
                    FlushHeldText();
                    foreach (var call in completed.Message.ToolCalls)
                        _updates.Add(NewUpdate(ToFunctionCall(call)));
                    _toolCalls += completed.Message.ToolCalls.Length;
                    break;
                case MessageCompleted { Message.Role: HarmonyRole.Assistant } completed:
                    Accumulate(_completed, completed.Message.Channel ?? "final", completed.Message.Content);
                    break;
                case ParseDiagnostic diagnostic:
                    _diagnostics.Add(diagnostic.Description);
                    break;
                case UsageReport report:
                    _usage = report.Usage;
                    break;
                case RunCompleted completed:
                    _reason = completed.Reason;
                    break;
            }
        }

        private void OnText(string channel, string text, bool streamed)
        {
            if (text.Length == 0 || StopSequenceMatched)
                return;
            if (streamed)
                Accumulate(_streamed, channel, text);
            if (channel == "analysis")
            {
                _reasoningTokens += streamed ? 1 : 0;
                _updates.Add(NewUpdate(new TextReasoningContent(text)));
                return;
            }
            if (_textChannel is not null && _textChannel != channel)
                FlushHeldText();
            _textChannel = channel;
            var visible = stops.Push(text, out var matched);
            EmitText(channel, visible);
            StopSequenceMatched = matched;
        }

        private void FlushHeldText()
        {
            if (_textChannel is not null && !StopSequenceMatched)
                EmitText(_textChannel, stops.Flush());
            _textChannel = null;
        }

        private void EmitText(string channel, string text)
        {
            if (text.Length == 0)
                return;
            var content = new TextContent(text);
            if (channel != "final")
                content.AdditionalProperties = new AdditionalPropertiesDictionary { [HarmonyChatMapping.ChannelKey] = channel };
            _updates.Add(NewUpdate(content));
        }

        private static void Accumulate(Dictionary<string, StringBuilder> into, string channel, string text)
        {
            if (!into.TryGetValue(channel, out var builder))
                into[channel] = builder = new StringBuilder();
            builder.Append(text);
        }

        private static FunctionCallContent ToFunctionCall(ToolCall call)
        {
            var name = call.Recipient.StartsWith(HarmonyChatMapping.FunctionsNamespace + ".", StringComparison.Ordinal)
                ? call.Method
                : call.Recipient;
            Dictionary<string, object?>? arguments = null;
            Exception? error = null;
            try
            {
                arguments = ParseArguments(call.Args);
            }
            catch (System.Text.Json.JsonException e)
            {
                error = new HarmonyChatException($"the arguments of the call to {call.Recipient} are not a JSON object: {e.Message}");
            }
            var content = new FunctionCallContent(NewId("call_"), name, arguments)
            {
                Exception = error,
                AdditionalProperties = new AdditionalPropertiesDictionary { [HarmonyChatMapping.RawArgumentsKey] = call.Args },
            };
            if (call.ContentType is not null)
                content.AdditionalProperties[HarmonyChatMapping.ContentTypeKey] = call.ContentType;
            if (call.Channel is not null and not "commentary")
                content.AdditionalProperties[HarmonyChatMapping.ChannelKey] = call.Channel;
            return content;
        }

        private static Dictionary<string, object?> ParseArguments(string arguments)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (string.IsNullOrWhiteSpace(arguments))
                return result;
            using var document = System.Text.Json.JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                throw new System.Text.Json.JsonException($"expected an object, got {document.RootElement.ValueKind}");
            foreach (var property in document.RootElement.EnumerateObject())
                result[property.Name] = property.Value.Clone();
            return result;
        }

        /// <summary>The closing update: held-back text, whatever the batch parse recovered beyond the stream, usage, finish reason.</summary>
        public ChatResponseUpdate Finish(int maxTokens)
        {
            if (!StopSequenceMatched)
            {
                // If streaming stopped early (a format problem the lenient batch parse repaired), add the rest per channel.
                foreach (var (channel, completed) in _completed)
                {
                    var full = completed.ToString();
                    var shown = _streamed.TryGetValue(channel, out var s) ? s.ToString() : "";
                    if (full.Length > shown.Length && full.StartsWith(shown, StringComparison.Ordinal))
                        OnText(channel, full[shown.Length..], streamed: false);
                }
                FlushHeldText();
            }
            var finish = StopSequenceMatched ? ChatFinishReason.Stop
                : _toolCalls > 0 || _reason == StopReason.ToolRoundLimit ? ChatFinishReason.ToolCalls
                : _reason == StopReason.MaxTokens || (_usage?.CompletionTokens ?? 0) >= maxTokens ? ChatFinishReason.Length
                : ChatFinishReason.Stop;
            var usage = new UsageDetails
            {
                InputTokenCount = _usage?.PromptTokens,
                OutputTokenCount = _usage?.CompletionTokens,
                TotalTokenCount = _usage?.TotalTokens,
                ReasoningTokenCount = _reasoningTokens,
            };
            var last = NewUpdate(new UsageContent(usage), finish);
            if (_diagnostics.Count > 0)
                last.AdditionalProperties = new AdditionalPropertiesDictionary { [HarmonyChatMapping.DiagnosticsKey] = _diagnostics.ToArray() };
            return last;
        }

        private ChatResponseUpdate NewUpdate(AIContent content, ChatFinishReason? finish = null) =>
            new(ChatRole.Assistant, [content])
            {
                ResponseId = responseId,
                MessageId = messageId,
                ModelId = modelId,
                CreatedAt = _created,
                FinishReason = finish,
            };

        public ChatResponseUpdate[] TakeUpdates()
        {
            if (_updates.Count == 0)
                return [];
            var taken = _updates.ToArray();
            _updates.Clear();
            return taken;
        }
    }
}
