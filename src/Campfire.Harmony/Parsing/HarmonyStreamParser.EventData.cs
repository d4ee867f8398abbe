using System.Diagnostics.CodeAnalysis;
using System.Text;
using Campfire.Harmony.Model;

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
    public readonly bool HasChannel => _fields.Channel.IsPresent;
    public readonly bool HasRecipient => _fields.Recipient.IsPresent;
    public readonly bool HasContentType => _fields.ContentType.IsPresent;

    /// <summary>UTF-8 author name (empty when absent; see <see cref="HasAuthorName"/>).</summary>
    [UnscopedRef] public ReadOnlySpan<byte> AuthorName => Field(_fields.Name);
    [UnscopedRef] public ReadOnlySpan<byte> Channel => Field(_fields.Channel);
    [UnscopedRef] public ReadOnlySpan<byte> Recipient => Field(_fields.Recipient);

    /// <summary>E.g. <c>json</c> or <c>&lt;|constrain|&gt;json</c>.</summary>
    [UnscopedRef] public ReadOnlySpan<byte> ContentType => Field(_fields.ContentType);

    public string? GetAuthorName() => FieldString(_fields.Name);
    public string? GetChannel() => FieldString(_fields.Channel);
    public string? GetRecipient() => FieldString(_fields.Recipient);
    public string? GetContentType() => FieldString(_fields.ContentType);

    /// <summary>The UTF-8 bytes of the last <see cref="HarmonyParserEventKind.ContentDelta"/>: whole code points only.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> ContentDelta => _deltaSource switch
    {
        DeltaSource.Vocabulary => ParserTables.Blob.AsSpan(_deltaStart, _deltaLength),
        DeltaSource.Scratch => ((ReadOnlySpan<byte>)_scratch)[.._deltaLength],
        DeltaSource.Header => _header.Slice(_deltaStart, _deltaLength),
        DeltaSource.Replacement => Utf8Scanner.ReplacementCharacter,
        DeltaSource.Space => " "u8,
        _ => default,
    };

    [UnscopedRef]
    private ReadOnlySpan<byte> Field(ByteRange range) => range.IsPresent ? _header.Slice(range.Start, range.Length) : default;

    private string? FieldString(ByteRange range) =>
        range.IsPresent ? Encoding.UTF8.GetString(_header.Slice(range.Start, range.Length)) : null;
}
