using System.Text.Json;

namespace Campfire.Harmony.Parsing;

/// <summary>A tool call's arguments are not valid JSON.</summary>
/// <param name="recipient">The tool the call was addressed to.</param>
/// <param name="inner">The JSON reader's error, kept as the inner exception for its position and reason.</param>
public sealed class HarmonyToolArgumentsException(string recipient, JsonException inner)
    : HarmonyException($"arguments of the call to {recipient} are not valid JSON: {inner.Message}", inner)
{
    /// <summary>The tool whose call carried the bad arguments, so the error can be reported to (or about) that tool.</summary>
    public string Recipient { get; } = recipient;
}
