using Microsoft.Extensions.AI;

namespace Campfire.Extensions.AI;

/// <summary>
/// What <see cref="HarmonyChatMapping"/> reads from one <see cref="ChatMessage"/>, kept so that a later request can tell,
/// without mapping again, that its message at the same position maps to the same engine messages. The fields are the
/// role, then per content part a tag and every value the mapping reads (texts, channel and content-type properties,
/// call ids, names and arguments, results and whether they are errors); anything the mapping ignores (author names,
/// usage parts, other properties) is left out, so it neither causes nor prevents a match. A match compares the actual
/// strings (equal references short-cut the comparison: a caller that sends the same objects again pays almost nothing),
/// never a hash.
/// </summary>
internal sealed class ChatMessageKey
{
    private const string ReasoningTag = "r";
    private const string TextTag = "t";
    private const string CallTag = "c";
    private const string ResultTag = "f";

    private readonly string?[]? _fields;

    private ChatMessageKey(string?[]? fields, int engineMessages, KeyValuePair<string, string>[]? calls, long chars)
    {
        _fields = fields;
        EngineMessages = engineMessages;
        Calls = calls;
        Chars = chars;
    }

    /// <summary>The engine's message count after this message was mapped (one chat message may map to none or several).</summary>
    public int EngineMessages { get; }

    /// <summary>Call id → recipient of the function calls this message makes (the mapping's state for later tool results).</summary>
    public KeyValuePair<string, string>[]? Calls { get; }

    /// <summary>Characters held by the fields (for the cache's memory estimate).</summary>
    public long Chars { get; }

    /// <summary>The key of <paramref name="message"/>, which the mapping has just turned into engine messages up to
    /// <paramref name="engineMessages"/>.</summary>
    public static ChatMessageKey Create(ChatMessage message, int engineMessages)
    {
        var collector = new Collector { Fields = [] };
        // A message the walk cannot read whole never matches (a key with part of its fields could match another).
        var whole = Visit(message, ref collector);
        List<KeyValuePair<string, string>>? calls = null;
        foreach (var content in message.Contents)
            if (content is FunctionCallContent { CallId.Length: > 0 } call && message.Role == ChatRole.Assistant)
                (calls ??= []).Add(new(call.CallId, HarmonyChatMapping.RecipientOf(call)));
        return new ChatMessageKey(whole ? [.. collector.Fields] : null, engineMessages, calls?.ToArray(), collector.Chars);
    }

    /// <summary>True when <paramref name="message"/> gives exactly this key's fields.</summary>
    public bool Matches(ChatMessage message)
    {
        if (_fields is null)
            return false;
        var comparer = new Comparer { Expected = _fields };
        return Visit(message, ref comparer) && comparer.Position == _fields.Length;
    }

    /// <summary>Emits every value the mapping reads from <paramref name="message"/>, in order; stops when the sink
    /// says so. Kept beside <see cref="HarmonyChatMapping"/>'s reading of the same parts: a value read there and not
    /// emitted here would let two different messages match.</summary>
    private static bool Visit<TSink>(ChatMessage message, ref TSink sink) where TSink : struct, ISink
    {
        if (!sink.Field(message.Role.Value))
            return false;
        foreach (var content in message.Contents)
        {
            var same = content switch
            {
                TextReasoningContent reasoning => sink.Field(ReasoningTag) && sink.Field(reasoning.Text),
                TextContent text => sink.Field(TextTag) && sink.Field(text.Text) && sink.Field(HarmonyChatMapping.ChannelOf(text.AdditionalProperties)),
                FunctionCallContent call => sink.Field(CallTag) && sink.Field(call.CallId) && sink.Field(call.Name)
                                            && sink.Field(HarmonyChatMapping.RawArguments(call))
                                            && sink.Field(HarmonyChatMapping.ChannelOf(call.AdditionalProperties))
                                            && sink.Field(HarmonyChatMapping.ContentTypeOf(call.AdditionalProperties)),
                FunctionResultContent result => sink.Field(ResultTag) && sink.Field(result.CallId)
                                                && sink.Field(result.Exception is null ? "ok" : "error")
                                                && sink.Field(HarmonyChatMapping.ResultText(result)),
                UsageContent => true,
                // The mapping refuses any other part, so a message holding one is never cached.
                _ => false,
            };
            if (!same)
                return false;
        }
        return true;
    }

    private interface ISink
    {
        bool Field(string? value);
    }

    private struct Collector : ISink
    {
        public List<string?> Fields;
        public long Chars;

        public bool Field(string? value)
        {
            Fields.Add(value);
            Chars += value?.Length ?? 0;
            return true;
        }
    }

    private struct Comparer : ISink
    {
        public string?[] Expected;
        public int Position;

        public bool Field(string? value) =>
            Position < Expected.Length && string.Equals(Expected[Position++], value, StringComparison.Ordinal);
    }
}
