using System.Collections.Immutable;
using System.Text.Json;

namespace Campfire.Harmony.Parsing;

/// <summary>A lenient parse's repairs as JSON, next to the reference's message shape that <c>HarmonyJson</c> writes
/// (kept here because the JSON layer sits below the parser).</summary>
public static class HarmonyParseDiagnosticJson
{
    /// <summary>Writes <c>"diagnostics": [{"token_index", "quirk", "description"}, ...]</c>, the shape the CLI and the
    /// C ABI give a lenient parse's repairs in.</summary>
    public static void Write(Utf8JsonWriter writer, ImmutableArray<HarmonyParseDiagnostic> diagnostics)
    {
        writer.WriteStartArray("diagnostics"u8);
        foreach (var diagnostic in diagnostics)
        {
            writer.WriteStartObject();
            writer.WriteNumber("token_index"u8, diagnostic.TokenIndex);
            writer.WriteString("quirk"u8, diagnostic.Quirk.ToString());
            writer.WriteString("description"u8, diagnostic.Description);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
