namespace Campfire.Harmony.Parsing;

/// <summary>What <see cref="HarmonyStreamParser.Read(ReadOnlySpan{int}, out int)"/> reports.</summary>
public enum HarmonyParserEventKind : byte
{
    /// <summary>All input consumed; nothing more to report until more tokens arrive.</summary>
    None,

    /// <summary>A message began: <see cref="HarmonyStreamParser.Role"/> and <see cref="HarmonyStreamParser.AuthorName"/> are set.</summary>
    MessageStarted,

    /// <summary>The header is complete: channel, recipient and content type are set.</summary>
    HeaderComplete,

    /// <summary><see cref="HarmonyStreamParser.ContentDelta"/> holds the next UTF-8 bytes of content (whole code points only).</summary>
    ContentDelta,

    /// <summary>The message ended; <see cref="HarmonyStreamParser.Terminator"/> says how.</summary>
    MessageEnded,

    /// <summary>Lenient mode recovered from a quirk: <see cref="HarmonyStreamParser.Quirk"/> and <see cref="HarmonyStreamParser.EventTokenIndex"/>.</summary>
    Diagnostic,
}

/// <summary>Where the state machine stands (the reference's <c>StreamState</c>).</summary>
public enum HarmonyParseState : byte
{
    /// <summary>Between messages: waiting for <c>&lt;|start|&gt;</c>.</summary>
    ExpectStart,

    /// <summary>Inside a header, before <c>&lt;|message|&gt;</c>.</summary>
    Header,

    /// <summary>Inside a message's content.</summary>
    Content,
}

/// <summary>How a message ended.</summary>
public enum MessageTerminator : byte
{
    /// <summary><c>&lt;|end|&gt;</c>.</summary>
    End,

    /// <summary><c>&lt;|call|&gt;</c>: the assistant calls a tool.</summary>
    Call,

    /// <summary><c>&lt;|return|&gt;</c>: the assistant is done.</summary>
    Return,

    /// <summary>The input ended inside the content (e.g. the token limit was reached).</summary>
    EndOfStream,

    /// <summary>Lenient mode: a <c>&lt;|start|&gt;</c> arrived inside the content, so the message ended without a stop token.</summary>
    Implicit,
}

/// <summary>The quirks lenient mode recovers from (docs/parsing.md describes each one).</summary>
public enum HarmonyParseQuirk : byte
{
    /// <summary>A message began without <c>&lt;|start|&gt;</c>; one was assumed.</summary>
    MissingStart = 1,

    /// <summary>The header named no role; the previous message's role (or assistant) was used.</summary>
    MissingRole,

    /// <summary>The header began with an unknown name and nothing else; it was taken as a tool author.</summary>
    UnknownRole,

    /// <summary><c>&lt;|channel|&gt;</c> without a channel name; the marker was dropped.</summary>
    EmptyChannel,

    /// <summary>The recipient (<c>to=...</c>) stood where the grammar does not allow it; it was used anyway.</summary>
    MisplacedRecipient,

    /// <summary>Header words that are neither role, recipient nor content type were dropped.</summary>
    ExtraHeaderText,

    /// <summary><c>&lt;|constrain|&gt;</c> spelled differently (e.g. <c>&lt;constrain&gt;</c>) or followed by a space; normalised.</summary>
    ConstrainVariant,

    /// <summary>A stop token ended a header that had no <c>&lt;|message|&gt;</c>; the header words became the content.</summary>
    MissingMessageToken,

    /// <summary>Tokens after <c>&lt;|return|&gt;</c> (other than a new <c>&lt;|start|&gt;</c>) were ignored.</summary>
    TextAfterReturn,

    /// <summary>A stop token outside any message was ignored.</summary>
    StrayStopToken,

    /// <summary>A <c>&lt;|start|&gt;</c> inside a header abandoned that header.</summary>
    AbandonedHeader,

    /// <summary>A <c>&lt;|start|&gt;</c> inside the content ended the message (a missing <c>&lt;|end|&gt;</c>).</summary>
    MissingEnd,

    /// <summary>The input ended inside the content: the message was cut off (kept, terminator EndOfStream).</summary>
    TruncatedMessage,

    /// <summary>The input ended inside a header: the unfinished header was dropped.</summary>
    TruncatedHeader,

    /// <summary>A token id outside the vocabulary (content: replaced by U+FFFD as the reference does; header: skipped).</summary>
    InvalidTokenId,

    /// <summary>Bytes in a header that are not UTF-8 were dropped.</summary>
    InvalidHeaderBytes,

    /// <summary>
    /// A lone <c>&lt;|constrain|&gt;...</c> word after the channel was read as the content type (the reference v0.0.8
    /// takes it as the recipient).
    /// </summary>
    ContentTypeWithoutRecipient,
}

/// <summary>One recovery made in lenient mode: what, and at which token (byte offset for text input).</summary>
public sealed record HarmonyParseDiagnostic(long TokenIndex, HarmonyParseQuirk Quirk)
{
    public string Description => HarmonyParseDiagnostics.Describe(Quirk);

    public override string ToString() => $"token {TokenIndex}: {Quirk}: {Description}";
}

internal static class HarmonyParseDiagnostics
{
    public static string Describe(HarmonyParseQuirk quirk) => quirk switch
    {
        HarmonyParseQuirk.MissingStart => "message without <|start|>; assumed one",
        HarmonyParseQuirk.MissingRole => "header without a role; used the previous message's role",
        HarmonyParseQuirk.UnknownRole => "unknown role name taken as a tool author",
        HarmonyParseQuirk.EmptyChannel => "<|channel|> without a channel name; dropped the marker",
        HarmonyParseQuirk.MisplacedRecipient => "recipient (to=...) in an unexpected place; used it",
        HarmonyParseQuirk.ExtraHeaderText => "dropped header words that are neither recipient nor content type",
        HarmonyParseQuirk.ConstrainVariant => "normalised a misspelled or detached <|constrain|>",
        HarmonyParseQuirk.MissingMessageToken => "stop token ended a header without <|message|>; header words became the content",
        HarmonyParseQuirk.TextAfterReturn => "ignored tokens after <|return|>",
        HarmonyParseQuirk.StrayStopToken => "ignored a stop token outside any message",
        HarmonyParseQuirk.AbandonedHeader => "<|start|> inside a header; abandoned that header",
        HarmonyParseQuirk.MissingEnd => "<|start|> inside the content; ended the message there",
        HarmonyParseQuirk.TruncatedMessage => "input ended inside the content; kept the message as cut off",
        HarmonyParseQuirk.TruncatedHeader => "input ended inside a header; dropped it",
        HarmonyParseQuirk.InvalidTokenId => "token id outside the vocabulary",
        HarmonyParseQuirk.InvalidHeaderBytes => "dropped header bytes that are not UTF-8",
        HarmonyParseQuirk.ContentTypeWithoutRecipient => "read a lone <|constrain|> word as the content type, not the recipient",
        _ => quirk.ToString(),
    };
}
