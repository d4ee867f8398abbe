namespace Campfire.Harmony.Parsing;

/// <summary>How the parser treats input that deviates from the Harmony grammar.</summary>
public enum ParseMode
{
    /// <summary>openai/harmony's default (<c>ParseOptions { strict: true }</c>): any deviation is an error.</summary>
    Strict,

    /// <summary>
    /// openai/harmony's <c>ParseOptions { strict: false }</c>: a stop token inside a header ends the header; for the
    /// prefilled first message the header words become the content.
    /// </summary>
    NonStrict,

    /// <summary>
    /// Ours: recovers from the quirks seen in real gpt-oss output and records each recovery as a
    /// <see cref="HarmonyParseDiagnostic"/>. Only the length limits still throw.
    /// </summary>
    Lenient,
}
