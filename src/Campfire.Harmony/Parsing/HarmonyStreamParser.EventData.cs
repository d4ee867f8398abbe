using System.Diagnostics.CodeAnalysis;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

// What the caller reads after an event: the current message's header fields and the last delta, quirk and
// terminator. They point into the parser's own state, so they stay valid only until the next Read.
public partial struct HarmonyStreamParser
{
    /// <summary>Token index of the last <see cref="HarmonyParserEventKind.Diagnostic"/>.</summary>
    public readonly long EventTokenIndex => _eventTokenIndex;

    /// <summary>The quirk of the last <see cref="HarmonyParserEventKind.Diagnostic"/>.</summary>
    public readonly HarmonyParseQuirk Quirk => _quirk;

    /// <summary>How the last message ended (valid at <see cref="HarmonyParserEventKind.MessageEnded"/>).</summary>
    public readonly MessageTerminator Terminator => _terminator;

    /// <summary>Role of the current (or just ended) message.</summary>
    public readonly Role Role => _fields.Role;

    /// <summary>True when the current message's author has a name (tool messages: e.g. <c>browser.search</c>).</summary>
    public readonly bool HasAuthorName => _fields.Name.IsPresent;

    /// <summary>
    /// True when the current message's header named a channel (gpt-oss: <c>analysis</c>, <c>commentary</c> or
    /// <c>final</c>). Tells an absent channel from an empty <see cref="Channel"/> span.
    /// </summary>
    public readonly bool HasChannel => _fields.Channel.IsPresent;

    /// <summary>
    /// True when the current message is addressed to someone (<c>to=...</c>): from the assistant, that makes it a tool
    /// call whose content is the arguments.
    /// </summary>
    public readonly bool HasRecipient => _fields.Recipient.IsPresent;

    /// <summary>True when the header declared the content's format (see <see cref="ContentType"/>).</summary>
    public readonly bool HasContentType => _fields.ContentType.IsPresent;

    /// <summary>UTF-8 author name (empty when absent; see <see cref="HasAuthorName"/>).</summary>
    [UnscopedRef] public ReadOnlySpan<byte> AuthorName => Field(_fields.Name);

    /// <summary>
    /// UTF-8 channel name (empty when absent; see <see cref="HasChannel"/>), valid from
    /// <see cref="HarmonyParserEventKind.HeaderComplete"/>. The span points into the parser: copy it to keep it.
    /// </summary>
    [UnscopedRef] public ReadOnlySpan<byte> Channel => Field(_fields.Channel);

    /// <summary>
    /// UTF-8 recipient without its <c>to=</c> prefix, e.g. <c>functions.get_weather</c> (empty when absent; see
    /// <see cref="HasRecipient"/>), valid from <see cref="HarmonyParserEventKind.HeaderComplete"/>.
    /// </summary>
    [UnscopedRef] public ReadOnlySpan<byte> Recipient => Field(_fields.Recipient);

    /// <summary>E.g. <c>json</c> or <c>&lt;|constrain|&gt;json</c>.</summary>
    [UnscopedRef] public ReadOnlySpan<byte> ContentType => Field(_fields.ContentType);

    /// <summary>
    /// <see cref="AuthorName"/> as a new string, or null when absent. Allocates: a streaming consumer that only
    /// compares or copies the name should use the span.
    /// </summary>
    public string? GetAuthorName() => FieldString(_fields.Name);

    /// <summary><see cref="Channel"/> as a new string, or null when absent (allocates; the span does not).</summary>
    public string? GetChannel() => FieldString(_fields.Channel);

    /// <summary><see cref="Recipient"/> as a new string, or null when absent (allocates; the span does not).</summary>
    public string? GetRecipient() => FieldString(_fields.Recipient);

    /// <summary><see cref="ContentType"/> as a new string, or null when absent (allocates; the span does not).</summary>
    public string? GetContentType() => FieldString(_fields.ContentType);

    /// <summary>The UTF-8 bytes of the last <see cref="HarmonyParserEventKind.ContentDelta"/>: whole code points only.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> ContentDelta => _deltaSource switch
    {
        DeltaSource.Vocabulary => ParserTables.Blob.AsSpan(_deltaStart, _deltaLength),
        DeltaSource.Scratch => ((ReadOnlySpan<byte>)_scratch)[.._deltaLength],
        DeltaSource.Header => _header.Slice(_deltaStart, _deltaLength),
        DeltaSource.Replacement => Utf8Sequence.ReplacementCharacter,
        DeltaSource.Space => " "u8,
        _ => default,
    };

    [UnscopedRef]
    private ReadOnlySpan<byte> Field(ByteRange range) => range.IsPresent ? _header.Slice(range.Start, range.Length) : default;

    private string? FieldString(ByteRange range) =>
        range.IsPresent ? Encoding.UTF8.GetString(_header.Slice(range.Start, range.Length)) : null;
}
