using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>The roles an application speaks in; they map one to one onto Harmony roles.</summary>
public enum HarmonyRole
{
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

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

/// <summary>A call the assistant addressed to a tool.</summary>
/// <param name="Recipient">The full recipient, e.g. <c>functions.get_weather</c> or <c>browser.search</c>.</param>
/// <param name="Method">The part after the namespace (<c>get_weather</c>, <c>search</c>).</param>
/// <param name="Args">The arguments as the model wrote them (JSON for function tools).</param>
/// <param name="CallId">Pairs the call with its <see cref="ToolResult"/>; Harmony has no ids, the engine assigns them.</param>
public sealed record ToolCall(string Recipient, string Method, string Args, string CallId)
{
    /// <summary>Channel the call was (or is to be) written on; null: commentary for functions, analysis for built-ins.</summary>
    public string? Channel { get; init; }

    /// <summary>Content type of the call, e.g. <c>&lt;|constrain|&gt;json</c> or <c>code</c>; null lets the engine choose.</summary>
    public string? ContentType { get; init; }

    /// <summary>Splits a recipient into namespace and method; a recipient without a dot is its own method.</summary>
    public static ToolCall FromRecipient(string recipient, string args, string callId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recipient);
        var dot = recipient.IndexOf('.', StringComparison.Ordinal);
        return new ToolCall(recipient, dot < 0 ? recipient : recipient[(dot + 1)..], args ?? "", callId);
    }
}

/// <summary>What a tool answered to the call <paramref name="CallId"/>.</summary>
/// <param name="Recipient">The tool that answered (the call's recipient); the Harmony author of the tool message.</param>
public sealed record ToolResult(string CallId, string Recipient, string Content, bool IsError = false);
