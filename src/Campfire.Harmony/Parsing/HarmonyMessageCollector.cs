using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// Turns a <see cref="HarmonyStreamParser"/>'s events into whole <see cref="Message"/>s (and diagnostics). This is the
/// only place that allocates: once per message, when its text is materialised.
/// </summary>
public sealed class HarmonyMessageCollector
{
    private readonly ImmutableArray<Message>.Builder _messages = ImmutableArray.CreateBuilder<Message>();
    private readonly ImmutableArray<HarmonyParseDiagnostic>.Builder _diagnostics = ImmutableArray.CreateBuilder<HarmonyParseDiagnostic>();
    private readonly ArrayBufferWriter<byte> _content = new(256);
    private Author? _author;
    private string? _channel;
    private string? _recipient;
    private string? _contentType;

    /// <summary>The messages completed so far (a new array on each read).</summary>
    public ImmutableArray<Message> Messages => _messages.ToImmutable();

    /// <summary>How many messages are complete so far; unlike <see cref="Messages"/>, it copies nothing.</summary>
    public int MessageCount => _messages.Count;

    /// <summary>The lenient-mode recoveries seen so far, in input order (a new array on each read).</summary>
    public ImmutableArray<HarmonyParseDiagnostic> Diagnostics => _diagnostics.ToImmutable();

    /// <summary>Whether a message has started and not yet ended.</summary>
    public bool InMessage => _author is not null;

    /// <summary>The content received so far of the message in progress.</summary>
    public string CurrentContent => Encoding.UTF8.GetString(_content.WrittenSpan);

    /// <summary>Handles one event of <paramref name="parser"/> (call right after the parser reported it).</summary>
    public void Handle(ref HarmonyStreamParser parser, HarmonyParserEventKind kind) =>
        Handle(ref parser, kind, kind == HarmonyParserEventKind.ContentDelta ? parser.ContentDelta : default);

    internal void Handle(ref HarmonyStreamParser parser, HarmonyParserEventKind kind, ReadOnlySpan<byte> delta)
    {
        switch (kind)
        {
            case HarmonyParserEventKind.MessageStarted:
                _author = parser.HasAuthorName ? new Author(parser.Role, parser.GetAuthorName()) : Author.Of(parser.Role);
                _content.ResetWrittenCount();
                break;
            case HarmonyParserEventKind.HeaderComplete:
                _channel = parser.GetChannel();
                _recipient = parser.GetRecipient();
                _contentType = parser.GetContentType();
                break;
            case HarmonyParserEventKind.ContentDelta:
                _content.Write(delta);
                break;
            case HarmonyParserEventKind.MessageEnded:
                var text = Encoding.UTF8.GetString(_content.WrittenSpan);
                _messages.Add(new Message(_author ?? Author.Of(parser.Role), [new TextContent(text)], _channel, _recipient, _contentType));
                _content.ResetWrittenCount();
                _author = null;
                _channel = _recipient = _contentType = null;
                break;
            case HarmonyParserEventKind.Diagnostic:
                _diagnostics.Add(new HarmonyParseDiagnostic(parser.EventTokenIndex, parser.Quirk));
                break;
        }
    }
}
