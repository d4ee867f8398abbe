namespace Campfire.Harmony.Parsing;

/// <summary>One recovery made in lenient mode: what, and at which token (byte offset for text input).</summary>
/// <param name="TokenIndex">Index of the token that caused the recovery (a byte offset for text input).</param>
/// <param name="Quirk">Which deviation from the grammar was recovered from.</param>
public sealed record HarmonyParseDiagnostic(long TokenIndex, HarmonyParseQuirk Quirk)
{
    /// <summary>What was wrong and what the parser did about it, in one English line for logs and reports.</summary>
    public string Description => HarmonyParseDiagnostics.Describe(Quirk);

    /// <summary>Position, quirk name and description on one line, e.g. <c>token 12: MissingEnd: ...</c>.</summary>
    public override string ToString() => $"token {TokenIndex}: {Quirk}: {Description}";
}
