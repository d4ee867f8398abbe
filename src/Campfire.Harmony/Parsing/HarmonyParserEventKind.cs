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
