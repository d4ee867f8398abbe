namespace Campfire.Harmony.Tools;

/// <summary>What a tool answered to the call <paramref name="CallId"/>.</summary>
/// <param name="CallId">The <see cref="Model.ToolCall.CallId"/> of the call answered.</param>
/// <param name="Recipient">The tool that answered (the call's recipient); the Harmony author of the tool message.</param>
/// <param name="Content">The text the model reads: the tool's answer, or for an error its explanation.</param>
/// <param name="IsError">Whether the call failed; <paramref name="Content"/> then explains why, for the model.</param>
public sealed record ToolResult(string CallId, string Recipient, string Content, bool IsError = false);
