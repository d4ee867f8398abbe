using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Parsing;

/// <summary>
/// The benchmark's peer: a parser built the way openai/harmony's <c>StreamableParser</c> is (token lists per state,
/// per content token a UTF-8 decode of the pending tokens, a strict string conversion and a re-encode of the text,
/// header parsed from a decoded string with string operations). Well-formed input only; it exists to be timed.
/// </summary>
internal sealed class ReferenceStyleParser(Role? role)
{
    private static readonly O200kHarmonyTokenizer Tokenizer = O200kHarmonyTokenizer.Instance;
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private enum State { ExpectStart, Header, Content }

    private State _state = role is null ? State.ExpectStart : State.Header;
    private Role? _nextRole = role;
    private readonly List<int> _headerTokens = [];
    private readonly List<int> _contentTokens = [];
    private readonly List<int> _undecodedTokens = [];
    private readonly List<byte> _undecodedBytes = [];
    private (Author Author, string? Recipient, string? Channel, string? ContentType) _header;

    public List<Message> Messages { get; } = [];

    public string? LastContentDelta { get; private set; }

    public void Process(int token)
    {
        switch (_state)
        {
            case State.ExpectStart:
                if (token != HarmonyTokens.Start)
                    throw new InvalidOperationException($"unexpected token {token}");
                _headerTokens.Clear();
                _state = State.Header;
                break;
            case State.Header:
                if (token == HarmonyTokens.Message)
                {
                    _header = ParseHeader(Tokenizer.Decode(_headerTokens.ToArray()), _nextRole);
                    _nextRole = null;
                    _contentTokens.Clear();
                    _state = State.Content;
                }
                else
                {
                    _headerTokens.Add(token);
                }
                break;
            default:
                if (token is HarmonyTokens.End or HarmonyTokens.Call or HarmonyTokens.Return)
                {
                    EndMessage();
                    break;
                }
                _undecodedTokens.Add(token);
                _undecodedBytes.AddRange(Encoding.UTF8.GetBytes(Tokenizer.Decode(_undecodedTokens.ToArray())));
                try
                {
                    string text = StrictUtf8.GetString(_undecodedBytes.ToArray());
                    _contentTokens.AddRange(Tokenizer.EncodeToIds(text));
                    LastContentDelta = text;
                    _undecodedBytes.Clear();
                }
                catch (DecoderFallbackException)
                {
                    LastContentDelta = null;
                }
                _undecodedTokens.Clear();
                break;
        }
    }

    public void ProcessEndOfStream()
    {
        if (_state == State.Content)
            EndMessage();
    }

    private void EndMessage()
    {
        string text = Tokenizer.Decode(_contentTokens.ToArray());
        Messages.Add(new Message(_header.Author, [new TextContent(text)], _header.Channel, _header.Recipient, _header.ContentType));
        _state = State.ExpectStart;
    }

    private static (Author, string?, string?, string?) ParseHeader(string header, Role? role)
    {
        string? channel = null;
        int marker = header.IndexOf("<|channel|>", StringComparison.Ordinal);
        if (marker >= 0)
        {
            string after = header[(marker + 11)..];
            int end = after.IndexOfAny([' ', '\t', '\n', '<']);
            if (end < 0)
                end = after.Length;
            channel = after[..end];
            header = header[..marker] + after[end..];
        }
        header = header.Trim().Replace("<|constrain|>", " <|constrain|>", StringComparison.Ordinal).Trim();
        var parts = new List<string>(header.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));
        string? name = null;
        Role actual;
        if (role is { } given)
        {
            actual = given;
        }
        else if (RoleNames.TryParse(parts[0], out actual))
        {
            if (actual == Role.Tool)
                name = parts[0];
        }
        else
        {
            actual = Role.Tool;
            name = parts[0];
            parts.RemoveAt(0);
        }
        if (parts.Count > 0 && parts[0] == actual.ToWireName())
            parts.RemoveAt(0);
        string? recipient = null, contentType = null;
        if (parts.Count > 0)
        {
            string last = parts[^1];
            parts.RemoveAt(parts.Count - 1);
            if (last.StartsWith("to=", StringComparison.Ordinal))
            {
                recipient = last[3..];
            }
            else if (parts.Count == 0)
            {
                recipient = last;
            }
            else
            {
                contentType = last;
                string raw = parts[^1];
                parts.RemoveAt(parts.Count - 1);
                recipient = raw.StartsWith("to=", StringComparison.Ordinal) ? raw[3..] : raw;
            }
        }
        return (name is null ? Author.Of(actual) : new Author(actual, name), recipient, channel, contentType);
    }
}
