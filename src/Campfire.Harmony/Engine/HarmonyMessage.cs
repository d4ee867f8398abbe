using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>
/// One message of an engine conversation, in application terms. The engine maps it onto Harmony when rendering:
/// a <see cref="HarmonyRole.System"/> message becomes the Harmony system header plus developer instructions, an
/// assistant message with <see cref="ToolCalls"/> becomes one Harmony message per call addressed to the tool, and a
/// <see cref="HarmonyRole.Tool"/> message becomes a message authored by the tool (<see cref="Name"/>).
/// Create them through <see cref="HarmonyEngine"/>'s <c>Create…Message</c> methods, which validate.
/// </summary>
public sealed record HarmonyMessage
{
    /// <summary>A message with no channel, name, calls or call id; set those with <c>with</c> or the initializers.
    /// Does not check role-specific rules (a tool message's name...): <see cref="HarmonyEngine.AddMessage"/> does.</summary>
    /// <param name="role">Who speaks.</param>
    /// <param name="content">The text; empty for an assistant message that only makes calls.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="role"/> is not a defined <see cref="HarmonyRole"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public HarmonyMessage(HarmonyRole role, string content)
    {
        if (!Enum.IsDefined(role)) throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role.");
        Role = role;
        Content = content ?? throw new ArgumentNullException(nameof(content));
    }

    /// <summary>Who speaks; decides how the engine maps the message onto Harmony.</summary>
    public HarmonyRole Role { get; }

    /// <summary>The text: instructions, the user's words, the assistant's answer (or preamble to its calls), or a tool's
    /// result. Never null.</summary>
    public string Content { get; init; }

    /// <summary>Harmony channel (<c>analysis</c>, <c>commentary</c>, <c>final</c>); null lets the engine choose.</summary>
    public string? Channel { get; init; }

    /// <summary>Author name: for tool messages the tool that answered (e.g. <c>browser.search</c>).</summary>
    public string? Name { get; init; }

    /// <summary>Calls an assistant message makes; each renders as its own Harmony message to the tool. Empty (never
    /// default after construction) for every other message.</summary>
    public ImmutableArray<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>For tool messages: the <see cref="ToolCall.CallId"/> this message answers; null when unknown (the result
    /// then renders on the commentary channel unless <see cref="Channel"/> says otherwise).</summary>
    public string? CallId { get; init; }

    /// <summary>For tool messages: whether the tool failed (the content then explains the failure to the model).</summary>
    public bool IsError { get; init; }

    /// <summary>Whether the message makes tool calls (only assistant messages may).</summary>
    public bool HasToolCalls => !ToolCalls.IsDefaultOrEmpty;

    /// <summary>A copy on <paramref name="channel"/>.</summary>
    /// <param name="channel"><c>analysis</c>, <c>commentary</c>, <c>final</c>; null lets the engine choose.</param>
    public HarmonyMessage WithChannel(string? channel) => this with { Channel = channel };

    /// <summary>A copy with <paramref name="content"/> as its text.</summary>
    /// <param name="content">The new text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public HarmonyMessage WithContent(string content) => this with { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    /// <summary>One line for logs: <c>role/channel: content</c>, <c>assistant -> recipients</c> for calls, or
    /// <c>tool name [call id]: content</c>.</summary>
    public override string ToString() =>
        Role switch
        {
            HarmonyRole.Tool => $"tool {Name} [{CallId}]: {Content}",
            _ when HasToolCalls => $"{Role.ToString().ToLowerInvariant()} -> {string.Join(", ", ToolCalls.Select(c => c.Recipient))}",
            _ => $"{Role.ToString().ToLowerInvariant()}{(Channel is null ? "" : "/" + Channel)}: {Content}",
        };
}
