namespace Campfire.Harmony.Parsing;

/// <summary>One recovery made in lenient mode: what, and at which token (byte offset for text input).</summary>
public sealed record HarmonyParseDiagnostic(long TokenIndex, HarmonyParseQuirk Quirk)
{
    public string Description => HarmonyParseDiagnostics.Describe(Quirk);

    public override string ToString() => $"token {TokenIndex}: {Quirk}: {Description}";
}
