namespace Campfire.Harmony.Parsing;

/// <summary>What went wrong, for callers that branch on it.</summary>
public enum HarmonyParseError
{
    /// <summary>A token other than <c>&lt;|start|&gt;</c> between messages.</summary>
    UnexpectedToken,

    /// <summary>The header's tokens are not valid UTF-8 text (or include an id outside the vocabulary).</summary>
    HeaderNotDecodable,

    /// <summary>The header names no role.</summary>
    MissingRole,

    /// <summary>The header's first word is not a role and nothing follows it.</summary>
    UnknownRole,

    /// <summary><c>&lt;|channel|&gt;</c> without a channel name.</summary>
    EmptyChannel,

    /// <summary>More header words than role, recipient and content type.</summary>
    UnexpectedHeaderText,

    /// <summary>The input ended inside a header.</summary>
    UnexpectedEndOfStream,

    /// <summary>A header longer than <see cref="HarmonyParserLimits.MaxHeaderBytes"/>.</summary>
    HeaderTooLong,

    /// <summary>A message longer than <see cref="HarmonyParserLimits.MaxMessageBytes"/>.</summary>
    MessageTooLong,
}
