using System.Text.Json;

namespace Campfire.Harmony.Model;

/// <summary>A tool call's arguments are not valid JSON (from <see cref="ToolCall.ParseArguments"/>).</summary>
public sealed class HarmonyToolArgumentsException(string recipient, JsonException inner)
    : HarmonyException($"arguments of the call to {recipient} are not valid JSON: {inner.Message}", inner)
{
    /// <summary>The recipient of the call whose arguments failed to parse.</summary>
    public string Recipient { get; } = recipient;
}
