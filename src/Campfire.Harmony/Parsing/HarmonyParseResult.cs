using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Parsing;

/// <summary>What a completion parsed into: its messages, the tool calls among them, and lenient-mode diagnostics.</summary>
public sealed class HarmonyParseResult
{
    /// <summary>Wraps parsed messages and picks out the tool calls among them.</summary>
    /// <param name="messages">The messages in completion order (a default array counts as empty).</param>
    /// <param name="diagnostics">The lenient-mode recoveries made while parsing them (a default array counts as empty).</param>
    public HarmonyParseResult(ImmutableArray<Message> messages, ImmutableArray<HarmonyParseDiagnostic> diagnostics)
    {
        Messages = messages.IsDefault ? [] : messages;
        Diagnostics = diagnostics.IsDefault ? [] : diagnostics;
        var calls = ImmutableArray.CreateBuilder<ToolCall>();
        for (int i = 0; i < Messages.Length; i++)
        {
            // Harmony has no call ids: the parse result names each call after its message's position.
            if (ToolCall.FromMessage(Messages[i], $"call_{i}", i) is { } call)
                calls.Add(call);
        }
        ToolCalls = calls.ToImmutable();
    }

    /// <summary>
    /// Every message of the completion in order (analysis, tool calls, final answer...), never default; indices here
    /// are what <see cref="ToolCall.MessageIndex"/> refers to.
    /// </summary>
    public ImmutableArray<Message> Messages { get; }

    /// <summary>The tool calls among <see cref="Messages"/> (see <see cref="ToolCall.IsCall"/>), in order.</summary>
    public ImmutableArray<ToolCall> ToolCalls { get; }

    /// <summary>Recoveries made in lenient mode (always empty in strict and non-strict mode).</summary>
    public ImmutableArray<HarmonyParseDiagnostic> Diagnostics { get; }
}
