using System.Collections.Immutable;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Engine;

/// <summary>
/// The engine's tolerant reading of a completion: splits it into messages at <c>&lt;|start|&gt;</c> …
/// <c>&lt;|message|&gt;</c> … <c>&lt;|end|&gt;/&lt;|call|&gt;/&lt;|return|&gt;</c>, repairs what a sampled model gets
/// wrong (a missing terminator, text outside a message, an unknown role) and says what it repaired.
/// </summary>
internal static class LenientCompletionParser
{
    public static CodecParseResult Parse(ReadOnlySpan<int> tokens, Role? prefillRole)
    {
        var messages = ImmutableArray.CreateBuilder<Message>();
        var diagnostics = ImmutableArray.CreateBuilder<string>();
        var state = new State(prefillRole);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (state.Push(tokens[i], i, out var completed, out var problem) && completed is not null) messages.Add(completed);
            if (problem is not null) diagnostics.Add(problem);
        }
        if (state.Finish(tokens.Length, out var last, out var endProblem) && last is not null) messages.Add(last);
        if (endProblem is not null) diagnostics.Add(endProblem);
        return new CodecParseResult(messages.ToImmutable(), diagnostics.ToImmutable());
    }

    /// <summary>Streams the content text of a completion token by token.</summary>
    internal sealed class DeltaStream(Role prefillRole) : ICompletionDeltaStream
    {
        private readonly State _state = new(prefillRole);
        private int _index;

        public bool Push(int token, out StreamDelta delta)
        {
            var inContent = _state.InContent;
            _state.Push(token, _index++, out _, out _);
            if (inContent && _state.InContent && _state.TakeDelta() is { Length: > 0 } text)
            {
                delta = new StreamDelta(_state.Channel, _state.Recipient, text);
                return true;
            }
            if (!inContent && _state.InContent) _state.TakeDelta();
            delta = default;
            return false;
        }
    }

    private sealed class State(Role? prefillRole)
    {
        private enum Phase { Idle, Header, Content }

        private Phase _phase = prefillRole is null ? Phase.Idle : Phase.Header;
        private Role? _role = prefillRole;
        private readonly List<int> _header = [];
        private readonly List<int> _content = [];
        private Utf8StreamingDecoder _decoder;
        private readonly StringBuilder _delta = new();
        private Message? _headerMessage;

        public bool InContent => _phase == Phase.Content;
        public string? Channel => _headerMessage?.Channel;
        public string? Recipient => _headerMessage?.Recipient;

        public string TakeDelta()
        {
            var text = _delta.ToString();
            _delta.Clear();
            return text;
        }

        public bool Push(int token, int index, out Message? completed, out string? problem)
        {
            completed = null;
            problem = null;
            if (!O200kHarmonyTokenizer.Instance.IsValidId(token))
            {
                problem = $"token {index}: id {token} is not in the vocabulary; skipped";
                return false;
            }
            switch (token)
            {
                case HarmonyTokens.Start:
                    if (_phase == Phase.Content)
                    {
                        completed = Complete();
                        problem = $"token {index}: message was not closed before <|start|>; closed it";
                    }
                    else if (_phase == Phase.Header && _header.Count > 0)
                    {
                        problem = $"token {index}: header without <|message|> before <|start|>; dropped it";
                    }
                    BeginHeader(null);
                    return completed is not null;
                case HarmonyTokens.Message when _phase == Phase.Header:
                    _headerMessage = HeaderToMessage();
                    _phase = Phase.Content;
                    _content.Clear();
                    _decoder.Reset();
                    return false;
                case HarmonyTokens.End or HarmonyTokens.Call or HarmonyTokens.Return:
                    if (_phase == Phase.Content)
                    {
                        completed = Complete();
                        _phase = Phase.Idle;
                        return true;
                    }
                    problem = $"token {index}: {O200kHarmonyTokenizer.Instance.Decode([token])} outside a message body; ignored";
                    _phase = Phase.Idle;
                    return false;
            }
            switch (_phase)
            {
                case Phase.Header:
                    _header.Add(token);
                    break;
                case Phase.Content:
                    _content.Add(token);
                    AppendDelta(token);
                    break;
                default:
                    problem = $"token {index}: text outside a message; ignored";
                    break;
            }
            return false;
        }

        public bool Finish(int index, out Message? completed, out string? problem)
        {
            completed = null;
            problem = null;
            if (_phase == Phase.Content)
            {
                completed = Complete();
                problem = $"token {index}: completion ended inside a message; kept it as written";
                return true;
            }
            if (_phase == Phase.Header && _header.Count > 0)
                problem = $"token {index}: completion ended inside a message header; dropped it";
            return false;
        }

        private void BeginHeader(Role? role)
        {
            _phase = Phase.Header;
            _role = role;
            _header.Clear();
            _headerMessage = null;
        }

        private void AppendDelta(int token)
        {
            Span<char> buffer = stackalloc char[256];
            var bytes = O200kHarmonyTokenizer.Instance.GetTokenBytes(token);
            if (bytes.Length * 2 + 8 > buffer.Length)
            {
                _delta.Append(O200kHarmonyTokenizer.Instance.Decode([token]));
                return;
            }
            if (_decoder.Append(token, buffer, out var written) == System.Buffers.OperationStatus.Done)
                _delta.Append(buffer[..written]);
        }

        private Message Complete()
        {
            var header = _headerMessage ?? HeaderToMessage();
            var text = O200kHarmonyTokenizer.Instance.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_content));
            _content.Clear();
            _headerMessage = null;
            return header.WithContent(new TextContent(text));
        }

        // "assistant<|channel|>analysis to=browser.search code", or without the role after a prefill.
        private Message HeaderToMessage()
        {
            var text = O200kHarmonyTokenizer.Instance.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_header));
            var channelAt = text.IndexOf("<|channel|>", StringComparison.Ordinal);
            var beforeChannel = channelAt < 0 ? text : text[..channelAt];
            var afterChannel = channelAt < 0 ? "" : text[(channelAt + "<|channel|>".Length)..];
            var words = beforeChannel.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
            var after = afterChannel.Replace("<|constrain|>", " <|constrain|>", StringComparison.Ordinal)
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();

            Author author;
            if (_role is { } known)
            {
                author = Author.Of(known);
            }
            else if (words.Count > 0 && !words[0].StartsWith("to=", StringComparison.Ordinal))
            {
                var first = words[0];
                words.RemoveAt(0);
                author = RoleNames.TryParse(first, out var role) ? Author.Of(role) : Author.Tool(first);
            }
            else
            {
                author = Author.Assistant;
            }

            string? channel = null;
            if (after.Count > 0 && !after[0].StartsWith("to=", StringComparison.Ordinal) && !after[0].StartsWith("<|", StringComparison.Ordinal))
            {
                channel = after[0];
                after.RemoveAt(0);
            }
            string? recipient = null;
            var rest = new List<string>();
            foreach (var word in words.Concat(after))
            {
                if (word.StartsWith("to=", StringComparison.Ordinal) && recipient is null) recipient = word[3..];
                else rest.Add(word);
            }
            var contentType = rest.Count > 0 ? string.Join(' ', rest) : null;
            return new Message(author, [], channel, recipient, contentType);
        }
    }
}
