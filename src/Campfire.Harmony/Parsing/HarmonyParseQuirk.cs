namespace Campfire.Harmony.Parsing;

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
