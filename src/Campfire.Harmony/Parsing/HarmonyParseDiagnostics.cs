namespace Campfire.Harmony.Parsing;

/// <summary>The text of <see cref="HarmonyParseDiagnostic.Description"/>, one fixed line per quirk.</summary>
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
