namespace Campfire.Harmony.Tools;

/// <summary>What a tool answered to the call <paramref name="CallId"/>.</summary>
/// <param name="Recipient">The tool that answered (the call's recipient); the Harmony author of the tool message.</param>
public sealed record ToolResult(string CallId, string Recipient, string Content, bool IsError = false);
