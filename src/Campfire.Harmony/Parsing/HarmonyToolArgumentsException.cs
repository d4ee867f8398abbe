using System.Text.Json;

namespace Campfire.Harmony.Parsing;

/// <summary>A tool call's arguments are not valid JSON.</summary>
public sealed class HarmonyToolArgumentsException(string recipient, JsonException inner)
    : HarmonyException($"arguments of the call to {recipient} are not valid JSON: {inner.Message}", inner)
{
    public string Recipient { get; } = recipient;
}
