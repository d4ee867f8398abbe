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
    public HarmonyMessage(HarmonyRole role, string content)
    {
        if (!Enum.IsDefined(role)) throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role.");
        Role = role;
        Content = content ?? throw new ArgumentNullException(nameof(content));
    }

    public HarmonyRole Role { get; }
    public string Content { get; init; }

    /// <summary>Harmony channel (<c>analysis</c>, <c>commentary</c>, <c>final</c>); null lets the engine choose.</summary>
    public string? Channel { get; init; }

    /// <summary>Author name: for tool messages the tool that answered (e.g. <c>browser.search</c>).</summary>
    public string? Name { get; init; }

    /// <summary>Calls an assistant message makes; each renders as its own Harmony message to the tool.</summary>
    public ImmutableArray<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>For tool messages: the call this message answers.</summary>
    public string? CallId { get; init; }

    /// <summary>For tool messages: whether the tool failed (the content then explains the failure to the model).</summary>
    public bool IsError { get; init; }

    public bool HasToolCalls => !ToolCalls.IsDefaultOrEmpty;

    public HarmonyMessage WithChannel(string? channel) => this with { Channel = channel };
    public HarmonyMessage WithContent(string content) => this with { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    public override string ToString() =>
        Role switch
        {
            HarmonyRole.Tool => $"tool {Name} [{CallId}]: {Content}",
            _ when HasToolCalls => $"{Role.ToString().ToLowerInvariant()} -> {string.Join(", ", ToolCalls.Select(c => c.Recipient))}",
            _ => $"{Role.ToString().ToLowerInvariant()}{(Channel is null ? "" : "/" + Channel)}: {Content}",
        };
}
