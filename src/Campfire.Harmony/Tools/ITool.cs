using Campfire.Harmony.Engine;

namespace Campfire.Harmony.Tools;

/// <summary>
/// Executes the calls the model addresses to one registered recipient prefix. Throwing is allowed: the engine turns
/// the exception into an error tool result that the model can read, so a failing tool never ends the conversation.
/// </summary>
public interface ITool
{
    ValueTask<string> InvokeAsync(ToolCall call, CancellationToken cancellationToken);

    /// <summary>Forgets per-conversation state (called by <see cref="HarmonyEngine.ClearConversation"/>).</summary>
    void Reset() { }
}

/// <summary>Adapts a delegate to <see cref="ITool"/>.</summary>
public sealed class DelegateTool(Func<ToolCall, CancellationToken, ValueTask<string>> handler) : ITool
{
    private readonly Func<ToolCall, CancellationToken, ValueTask<string>> _handler =
        handler ?? throw new ArgumentNullException(nameof(handler));

    public ValueTask<string> InvokeAsync(ToolCall call, CancellationToken cancellationToken) => _handler(call, cancellationToken);

    public static DelegateTool FromSync(Func<ToolCall, string> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new DelegateTool((call, _) => ValueTask.FromResult(handler(call)));
    }
}

/// <summary>A tool reporting a problem with the call itself (unknown method, bad arguments, invalid cursor...).
/// Its message is written for the model to read and correct its next call.</summary>
public sealed class ToolUsageException(string message) : HarmonyException(message);
