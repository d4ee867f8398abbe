using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Renders Harmony conversations into o200k_harmony token ids, id for id as openai/harmony v0.0.8 does (same text
/// pieces tokenized separately, same special tokens), into caller buffers.
/// <para>
/// Caches: the token ids of each <see cref="SystemContent"/> / <see cref="DeveloperContent"/> instance (tool schemas are
/// the expensive part; the TypeScript text is cached per <see cref="ToolNamespaceConfig"/>), and, unless turned off, the
/// ids of each <see cref="Message"/> instance. The model is immutable, so a cached rendering never goes stale; caches are
/// weak (they die with the message). Once warm, rendering allocates nothing. Thread-safe.
/// </para>
/// <para>
/// <c>options</c> null means <see cref="RenderOptions.Default"/>: auto-drop of analysis on, as the reference's Python API.
/// </para>
/// </summary>
public sealed class HarmonyRenderer
{
    private static readonly Lazy<HarmonyRenderer> LazyDefault = new(() => new HarmonyRenderer(O200kHarmonyTokenizer.Instance));

    [ThreadStatic]
    private static PooledIntBuffer? t_scratch;

    private readonly ConditionalWeakTable<Content, CachedTokens> _contentTokens = new();
    private readonly ConditionalWeakTable<ToolNamespaceConfig, string> _namespaceTexts = new();
    private readonly ConditionalWeakTable<Message, CachedTokens>? _messageTokens;

    /// <param name="tokenizer">The o200k_harmony tokenizer.</param>
    /// <param name="cacheMessageTokens">Keep each rendered message's ids (keyed by the message instance) so re-rendering a
    /// conversation copies them instead of tokenizing again. Off: only system/developer content is cached.</param>
    public HarmonyRenderer(O200kHarmonyTokenizer tokenizer, bool cacheMessageTokens = true)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        if (cacheMessageTokens)
            _messageTokens = new();
    }

    /// <summary>The shared renderer over <see cref="O200kHarmonyTokenizer.Instance"/>, with message caching.</summary>
    public static HarmonyRenderer Default => LazyDefault.Value;

    /// <summary>The tokenizer every text piece goes through.</summary>
    public O200kHarmonyTokenizer Tokenizer { get; }

    /// <summary>Whether each rendered message's ids are kept for the next rendering of the same instance.</summary>
    public bool CachesMessageTokens => _messageTokens is not null;

    /// <summary>Where sampling stops for an assistant turn: <c>&lt;|return|&gt;</c>, <c>&lt;|end|&gt;</c>, <c>&lt;|call|&gt;</c> (the reference's <c>stop_tokens</c>).</summary>
    public static ImmutableArray<int> StopTokens { get; } = [HarmonyTokens.Return, HarmonyTokens.End, HarmonyTokens.Call];

    /// <summary>Where sampling stops when the assistant may act: <c>&lt;|return|&gt;</c>, <c>&lt;|call|&gt;</c> (the reference's <c>stop_tokens_for_assistant_actions</c>).</summary>
    public static ImmutableArray<int> StopTokensForAssistantActions { get; } = [HarmonyTokens.Return, HarmonyTokens.Call];

    // ------------------------------------------------------------------ conversation, for completion

    /// <summary>The conversation, then <c>&lt;|start|&gt;</c> and <paramref name="nextRole"/>: the prompt for the next turn.</summary>
    public int RenderConversationForCompletion(Conversation conversation, Role nextRole, IBufferWriter<int> destination, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckRole(nextRole);
        var sink = new BufferWriterRenderSink(this, destination);
        WriteConversation(ref sink, Messages(conversation), options);
        sink.Special(HarmonyTokens.Start);
        sink.Text(nextRole.ToWireName());
        return sink.Written;
    }

    /// <summary>The conversation, then <c>&lt;|start|&gt;</c> and <paramref name="nextRole"/>, as a new array.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message, or <paramref name="nextRole"/> is undefined.</exception>
    public int[] RenderConversationForCompletion(Conversation conversation, Role nextRole, RenderOptions? options = null)
    {
        using var buffer = new PooledIntBuffer(1024);
        RenderConversationForCompletion(conversation, nextRole, buffer, options);
        return buffer.ToArray();
    }

    /// <summary>
    /// Renders into <paramref name="destination"/>. <see cref="OperationStatus.DestinationTooSmall"/>: the ids do not all
    /// fit; the <paramref name="tokensWritten"/> ids written are a correct prefix of the rendering.
    /// </summary>
    public OperationStatus RenderConversationForCompletion(Conversation conversation, Role nextRole, Span<int> destination, out int tokensWritten, RenderOptions? options = null)
    {
        CheckRole(nextRole);
        var sink = new SpanRenderSink(this, destination);
        WriteConversation(ref sink, Messages(conversation), options);
        sink.Special(HarmonyTokens.Start);
        sink.Text(nextRole.ToWireName());
        tokensWritten = sink.Written;
        return sink.TooSmall ? OperationStatus.DestinationTooSmall : OperationStatus.Done;
    }

    // ------------------------------------------------------------------ conversation

    /// <summary>The conversation's messages, no next turn.</summary>
    public int RenderConversation(Conversation conversation, IBufferWriter<int> destination, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var sink = new BufferWriterRenderSink(this, destination);
        WriteConversation(ref sink, Messages(conversation), options);
        return sink.Written;
    }

    /// <summary>The conversation's messages, no next turn, as a new array.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation.</exception>
    public int[] RenderConversation(Conversation conversation, RenderOptions? options = null)
    {
        using var buffer = new PooledIntBuffer(1024);
        RenderConversation(conversation, buffer, options);
        return buffer.ToArray();
    }

    /// <summary>
    /// The conversation's messages into <paramref name="destination"/>. <see cref="OperationStatus.DestinationTooSmall"/>:
    /// the <paramref name="tokensWritten"/> ids written are a correct prefix of the rendering.
    /// </summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation (nothing is written).</exception>
    public OperationStatus RenderConversation(Conversation conversation, Span<int> destination, out int tokensWritten, RenderOptions? options = null)
    {
        var sink = new SpanRenderSink(this, destination);
        WriteConversation(ref sink, Messages(conversation), options);
        tokensWritten = sink.Written;
        return sink.TooSmall ? OperationStatus.DestinationTooSmall : OperationStatus.Done;
    }

    // ------------------------------------------------------------------ conversation, for training

    /// <summary>As <see cref="RenderConversation(Conversation, IBufferWriter{int}, RenderOptions?)"/>, but when the last message is
    /// an assistant message on the final channel its closing <c>&lt;|end|&gt;</c> becomes <c>&lt;|return|&gt;</c>.</summary>
    public int[] RenderConversationForTraining(Conversation conversation, RenderOptions? options = null)
    {
        using var buffer = new PooledIntBuffer(1024);
        RenderConversationForTraining(conversation, buffer, options);
        return buffer.ToArray();
    }

    /// <summary>As <see cref="RenderConversationForTraining(Conversation, RenderOptions?)"/>, into a buffer writer; returns the number of ids written.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation.</exception>
    public int RenderConversationForTraining(Conversation conversation, IBufferWriter<int> destination, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var messages = Messages(conversation);
        if (!ConversationRules.EndsWithReturn(messages))
            return RenderConversation(conversation, destination, options);
        // The last id can only be replaced before it is committed: render into this thread's scratch, then copy with the swap.
        var scratch = t_scratch ??= new PooledIntBuffer(1024);
        try
        {
            var sink = new BufferWriterRenderSink(this, scratch);
            WriteConversation(ref sink, messages, options);
            var rendered = scratch.WrittenSpan;
            var target = destination.GetSpan(rendered.Length);
            rendered.CopyTo(target);
            target[rendered.Length - 1] = HarmonyTokens.Return;
            destination.Advance(rendered.Length);
            return rendered.Length;
        }
        finally
        {
            scratch.Reset();
        }
    }

    /// <summary>
    /// As <see cref="RenderConversationForTraining(Conversation, RenderOptions?)"/>, into <paramref name="destination"/>.
    /// <see cref="OperationStatus.DestinationTooSmall"/>: the ids written are a prefix of the plain rendering (the last
    /// <c>&lt;|end|&gt;</c> becomes <c>&lt;|return|&gt;</c> only once everything fits).
    /// </summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation (nothing is written).</exception>
    public OperationStatus RenderConversationForTraining(Conversation conversation, Span<int> destination, out int tokensWritten, RenderOptions? options = null)
    {
        var messages = Messages(conversation);
        var status = RenderConversation(conversation, destination, out tokensWritten, options);
        if (status == OperationStatus.Done && ConversationRules.EndsWithReturn(messages) && tokensWritten > 0)
            destination[tokensWritten - 1] = HarmonyTokens.Return;
        return status;
    }

    // ------------------------------------------------------------------ one message

    /// <summary>
    /// One message. <paramref name="conversationHasFunctionTools"/> is what the reference's <c>RenderOptions</c> says: whether
    /// a system message mentions that function calls go to the commentary channel.
    /// </summary>
    public int Render(Message message, IBufferWriter<int> destination, bool conversationHasFunctionTools = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(destination);
        HarmonyMessageWriter.Validate(message, -1);
        var sink = new BufferWriterRenderSink(this, destination);
        WriteMessage(ref sink, message, conversationHasFunctionTools);
        return sink.Written;
    }

    /// <summary>One message as a new array; <paramref name="conversationHasFunctionTools"/> as in <see cref="Render(Message, IBufferWriter{int}, bool)"/>.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses the message.</exception>
    public int[] Render(Message message, bool conversationHasFunctionTools = false)
    {
        using var buffer = new PooledIntBuffer(256);
        Render(message, buffer, conversationHasFunctionTools);
        return buffer.ToArray();
    }

    /// <summary>
    /// One message into <paramref name="destination"/>. <see cref="OperationStatus.DestinationTooSmall"/>: the
    /// <paramref name="tokensWritten"/> ids written are a correct prefix of the message's rendering.
    /// </summary>
    /// <exception cref="HarmonyRenderException">The reference refuses the message (nothing is written).</exception>
    public OperationStatus Render(Message message, Span<int> destination, out int tokensWritten, bool conversationHasFunctionTools = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        HarmonyMessageWriter.Validate(message, -1);
        var sink = new SpanRenderSink(this, destination);
        WriteMessage(ref sink, message, conversationHasFunctionTools);
        tokensWritten = sink.Written;
        return sink.TooSmall ? OperationStatus.DestinationTooSmall : OperationStatus.Done;
    }

    // ------------------------------------------------------------------ internals

    private static ImmutableArray<Message> Messages(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return conversation.Messages;
    }

    private static void CheckRole(Role role)
    {
        if (!RoleNames.IsDefined(role))
            throw new HarmonyRenderException(-1, $"unknown next role {(int)role}");
    }

    private void WriteConversation<TSink>(ref TSink sink, ImmutableArray<Message> messages, RenderOptions? options)
        where TSink : ITokenRenderSink, allows ref struct
    {
        // Check everything first so that a refused conversation writes nothing.
        HarmonyMessageWriter.ValidateAll(messages);
        bool hasFunctionTools = ConversationRules.HasFunctionTools(messages);
        int dropBefore = ConversationRules.DropAnalysisBefore(messages, options ?? RenderOptions.Default);
        for (int i = 0; i < messages.Length; i++)
        {
            var message = messages[i];
            if (!ConversationRules.IsDropped(message, i, dropBefore))
                WriteMessage(ref sink, message, hasFunctionTools);
        }
    }

    private void WriteMessage<TSink>(ref TSink sink, Message message, bool hasFunctionTools)
        where TSink : ITokenRenderSink, allows ref struct
    {
        if (_messageTokens is null)
            HarmonyMessageWriter.Write(ref sink, message, hasFunctionTools);
        else
            sink.Tokens(GetMessageTokens(message, hasFunctionTools));
    }

    /// <summary>The ids of one (validated) message; cached per message instance when message caching is on.</summary>
    internal ReadOnlySpan<int> GetMessageTokens(Message message, bool hasFunctionTools)
    {
        // Only system content reads the flag; other messages share one rendering.
        bool variant = hasFunctionTools && ContainsSystemContent(message);
        if (_messageTokens is null)
            return RenderMessageToArray(message, hasFunctionTools);
        var cached = _messageTokens.GetValue(message, static _ => new CachedTokens());
        return cached.Get(variant) ?? cached.Set(variant, RenderMessageToArray(message, hasFunctionTools));
    }

    /// <summary>The ids of one (validated) message as an array the caller must not change: the cached one when message
    /// caching is on (so a message kept by the caller is tokenized once), else a fresh rendering.</summary>
    internal int[] GetMessageTokenArray(Message message, bool hasFunctionTools)
    {
        bool variant = hasFunctionTools && ContainsSystemContent(message);
        if (_messageTokens is null)
            return RenderMessageToArray(message, hasFunctionTools);
        var cached = _messageTokens.GetValue(message, static _ => new CachedTokens());
        return cached.Get(variant) ?? cached.Set(variant, RenderMessageToArray(message, hasFunctionTools));
    }

    internal int[] RenderMessageToArray(Message message, bool hasFunctionTools)
    {
        using var buffer = new PooledIntBuffer(256);
        var sink = new BufferWriterRenderSink(this, buffer);
        HarmonyMessageWriter.Write(ref sink, message, hasFunctionTools);
        return buffer.ToArray();
    }

    private static bool ContainsSystemContent(Message message)
    {
        foreach (var content in message.Content)
        {
            if (content is SystemContent)
                return true;
        }
        return false;
    }

    /// <summary>The ids of system or developer content, tokenized in one piece and cached per content instance.</summary>
    internal ReadOnlySpan<int> GetComposedContentTokens(Content content, bool hasFunctionTools)
    {
        bool variant = hasFunctionTools && content is SystemContent;
        var cached = _contentTokens.GetValue(content, static _ => new CachedTokens());
        if (cached.Get(variant) is { } tokens)
            return tokens;
        string text = content switch
        {
            SystemContent system => ContentText.System(system, hasFunctionTools, _namespaceTexts),
            DeveloperContent developer => ContentText.Developer(developer, _namespaceTexts),
            _ => throw new HarmonyRenderException(-1, $"unsupported content {content.GetType().Name}"),
        };
        return cached.Set(variant, Tokenizer.EncodeToIds(text));
    }

    /// <summary>Two renderings of one item: without and with the function-tools line.</summary>
    private sealed class CachedTokens
    {
        private int[]? _plain;
        private int[]? _withFunctionTools;

        public int[]? Get(bool withFunctionTools) => Volatile.Read(ref withFunctionTools ? ref _withFunctionTools : ref _plain);

        public int[] Set(bool withFunctionTools, int[] tokens)
        {
            // Renderings are deterministic, so a racing thread's array is equally good.
            return Interlocked.CompareExchange(ref withFunctionTools ? ref _withFunctionTools : ref _plain, tokens, null) ?? tokens;
        }
    }
}
