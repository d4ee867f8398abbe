using System.Buffers;
using System.Collections.Immutable;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Keeps the rendering of a growing conversation. <see cref="Append(Message)"/> tokenizes only the new message and
/// returns the index of the first token that differs from the previous rendering, so a host can keep its KV cache up
/// to there. The tokens always equal <see cref="HarmonyRenderer.RenderConversation(Conversation, RenderOptions?)"/> of the
/// messages so far with the same options.
/// <para>
/// Earlier tokens change in two cases only (the reference's rules, not ours): with auto-drop on, an assistant message on
/// the final channel drops the analysis messages before the first final message (and a later non-final assistant
/// message brings them back); and the first developer message that declares <c>functions</c> tools adds a line to the
/// system message. Every other append leaves the previous tokens as they were (the returned index is the old length).
/// </para>
/// Not thread-safe (one conversation, one writer).
/// </summary>
public sealed class IncrementalRenderer
{
    private readonly HarmonyRenderer _renderer;
    private readonly RenderOptions _options;
    private readonly List<Entry> _entries = [];
    private int[] _tokens = new int[1024];
    private int _count;
    private bool _hasFunctionTools;
    private bool _lastAssistantIsFinal;
    private int _firstFinal = -1;
    private int _dropBefore = -1;

    /// <summary>An empty rendering.</summary>
    /// <param name="renderer">The renderer that tokenizes each message (and caches content); null: <see cref="HarmonyRenderer.Default"/>.</param>
    /// <param name="options">Conversation-level settings; null: <see cref="RenderOptions.Default"/> (auto-drop on).</param>
    public IncrementalRenderer(HarmonyRenderer? renderer = null, RenderOptions? options = null)
    {
        _renderer = renderer ?? HarmonyRenderer.Default;
        _options = options ?? RenderOptions.Default;
    }

    /// <summary>The conversation-level settings every rendering uses.</summary>
    public RenderOptions Options => _options;

    /// <summary>The rendering of the messages so far (no next turn).</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, _count);

    /// <summary>Number of messages appended so far (dropped ones included).</summary>
    public int MessageCount => _entries.Count;

    /// <summary>The messages appended so far, in order (dropped ones included).</summary>
    public IEnumerable<Message> Messages => _entries.Select(e => e.Message);

    /// <summary>How many messages have been rendered (or re-rendered) since creation; for tests and diagnostics. A
    /// message object the renderer has tokenized before is copied from its cache, not tokenized again.</summary>
    public int MessagesRendered { get; private set; }

    /// <summary>The messages so far, as a conversation.</summary>
    public Conversation ToConversation() => new([.. _entries.Select(e => e.Message)]);

    /// <summary>
    /// Adds a message and returns the index of the first token that changed: the previous <see cref="Tokens"/> length
    /// when the earlier rendering is kept (the common case), smaller when the reference's rules changed earlier tokens.
    /// A message the renderer refuses throws <see cref="HarmonyRenderException"/> and changes nothing.
    /// </summary>
    public int Append(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int index = _entries.Count;
        HarmonyMessageWriter.Validate(message, index);

        bool hasFunctionTools = _hasFunctionTools || ConversationRules.HasFunctionTools([message]);
        bool lastAssistantIsFinal = message.Author.Role == Role.Assistant ? message.Channel == "final" : _lastAssistantIsFinal;
        int firstFinal = _firstFinal < 0 && message.Channel == "final" ? index : _firstFinal;
        int dropBefore = _options.AutoDropAnalysis && lastAssistantIsFinal ? firstFinal : -1;

        // The host keeps its KV cache up to the first token that changes, so find the first earlier message whose
        // rendering (or presence) this append changes.
        int firstChanged = index;
        if (hasFunctionTools != _hasFunctionTools)
        {
            for (int i = 0; i < index; i++)
            {
                if (ContainsSystemContent(_entries[i].Message))
                {
                    firstChanged = i;
                    break;
                }
            }
        }
        if (dropBefore != _dropBefore)
        {
            int limit = Math.Min(Math.Max(dropBefore, _dropBefore), index);
            for (int i = 0; i < limit && i < firstChanged; i++)
            {
                var earlier = _entries[i].Message;
                if (ConversationRules.IsDropped(earlier, i, dropBefore) != ConversationRules.IsDropped(earlier, i, _dropBefore))
                {
                    firstChanged = i;
                    break;
                }
            }
        }

        // Render the new message before changing any state, so a failure leaves everything as it was.
        var newEntry = new Entry(message, _renderer.GetMessageTokenArray(message, hasFunctionTools), hasFunctionTools);
        MessagesRendered++;

        _hasFunctionTools = hasFunctionTools;
        _lastAssistantIsFinal = lastAssistantIsFinal;
        _firstFinal = firstFinal;
        _dropBefore = dropBefore;
        _entries.Add(newEntry);

        int changedAt = firstChanged < index ? _entries[firstChanged].Start : _count;
        RewriteFrom(firstChanged, changedAt);
        return changedAt;
    }

    /// <summary>
    /// Forgets the messages from <paramref name="messageCount"/> on, as if only the first <paramref name="messageCount"/>
    /// had been appended, and returns the index of the first token that changed (the kept messages' length, or less when
    /// the removed messages had changed earlier tokens: an auto-drop or the function-tools line they brought). Kept
    /// messages are not tokenized again unless their rendering changes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageCount"/> is negative or more than <see cref="MessageCount"/>.</exception>
    public int Truncate(int messageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(messageCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messageCount, _entries.Count);
        if (messageCount == _entries.Count)
            return _count;

        // The state the kept messages alone give (what Append computed along the way), from their headers only.
        bool hasFunctionTools = false;
        bool lastAssistantIsFinal = false;
        int firstFinal = -1;
        for (int i = 0; i < messageCount; i++)
        {
            var message = _entries[i].Message;
            hasFunctionTools = hasFunctionTools || ConversationRules.HasFunctionTools([message]);
            if (message.Author.Role == Role.Assistant)
                lastAssistantIsFinal = message.Channel == "final";
            if (firstFinal < 0 && message.Channel == "final")
                firstFinal = i;
        }
        int dropBefore = _options.AutoDropAnalysis && lastAssistantIsFinal ? firstFinal : -1;

        int firstChanged = messageCount;
        if (hasFunctionTools != _hasFunctionTools)
        {
            for (int i = 0; i < messageCount; i++)
            {
                if (ContainsSystemContent(_entries[i].Message))
                {
                    firstChanged = i;
                    break;
                }
            }
        }
        if (dropBefore != _dropBefore)
        {
            for (int i = 0; i < firstChanged; i++)
            {
                var earlier = _entries[i].Message;
                if (ConversationRules.IsDropped(earlier, i, dropBefore) != ConversationRules.IsDropped(earlier, i, _dropBefore))
                {
                    firstChanged = i;
                    break;
                }
            }
        }

        int changedAt = _entries[firstChanged].Start;
        _entries.RemoveRange(messageCount, _entries.Count - messageCount);
        _hasFunctionTools = hasFunctionTools;
        _lastAssistantIsFinal = lastAssistantIsFinal;
        _firstFinal = firstFinal;
        _dropBefore = dropBefore;
        RewriteFrom(firstChanged, changedAt);
        return changedAt;
    }

    /// <summary>Writes the entries from <paramref name="firstChanged"/> on again, starting at token <paramref name="start"/>,
    /// under the current state (re-tokenizing a system message whose function-tools line changed).</summary>
    private void RewriteFrom(int firstChanged, int start)
    {
        _count = start;
        for (int i = firstChanged; i < _entries.Count; i++)
        {
            var entry = _entries[i];
            if (entry.RenderedWithFunctionTools != _hasFunctionTools && ContainsSystemContent(entry.Message))
            {
                entry = entry with { Tokens = _renderer.GetMessageTokenArray(entry.Message, _hasFunctionTools), RenderedWithFunctionTools = _hasFunctionTools };
                MessagesRendered++;
            }
            entry = entry with { Start = _count };
            _entries[i] = entry;
            if (!ConversationRules.IsDropped(entry.Message, i, _dropBefore))
                Write(entry.Tokens);
        }
    }

    /// <summary>Appends several messages; returns the first changed token index over all of them.</summary>
    public int Append(params IEnumerable<Message> messages)
    {
        int changedAt = _count;
        foreach (var message in messages)
            changedAt = Math.Min(changedAt, Append(message));
        return changedAt;
    }

    /// <summary>Writes the prompt for the next turn: <see cref="Tokens"/>, <c>&lt;|start|&gt;</c>, the role. Returns ids written.</summary>
    public int RenderForCompletion(Role nextRole, IBufferWriter<int> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!RoleNames.IsDefined(nextRole))
            throw new HarmonyRenderException(-1, $"unknown next role {(int)nextRole}");
        var tokens = Tokens;
        tokens.CopyTo(destination.GetSpan(tokens.Length));
        destination.Advance(tokens.Length);
        var sink = new BufferWriterRenderSink(_renderer, destination);
        sink.Special(HarmonyTokens.Start);
        sink.Text(nextRole.ToWireName());
        return tokens.Length + sink.Written;
    }

    /// <summary>The prompt for the next turn as a new array: <see cref="Tokens"/>, <c>&lt;|start|&gt;</c>, the role.</summary>
    /// <exception cref="HarmonyRenderException"><paramref name="nextRole"/> is not a defined role.</exception>
    public int[] RenderForCompletion(Role nextRole)
    {
        using var buffer = new PooledIntBuffer(_count + 8);
        RenderForCompletion(nextRole, buffer);
        return buffer.ToArray();
    }

    /// <summary>Forgets every message.</summary>
    public void Clear()
    {
        _entries.Clear();
        _count = 0;
        _hasFunctionTools = false;
        _lastAssistantIsFinal = false;
        _firstFinal = -1;
        _dropBefore = -1;
    }

    private void Write(ReadOnlySpan<int> tokens)
    {
        if (_count + tokens.Length > _tokens.Length)
            Array.Resize(ref _tokens, Math.Max(_tokens.Length * 2, _count + tokens.Length));
        tokens.CopyTo(_tokens.AsSpan(_count));
        _count += tokens.Length;
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

    /// <summary>A message, its ids, and where they start (or would start, when dropped) in the rendering.</summary>
    private readonly record struct Entry(Message Message, int[] Tokens, bool RenderedWithFunctionTools, int Start = 0);
}
