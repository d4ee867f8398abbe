using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>Adapts a delegate to <see cref="ITool"/>. Keeps no state, so <see cref="ITool.Reset"/> does nothing.</summary>
/// <param name="handler">Executes a call and returns the text the model reads; may throw (see <see cref="ITool"/>).</param>
/// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
public sealed class DelegateTool(Func<ToolCall, CancellationToken, ValueTask<string>> handler) : ITool
{
    private readonly Func<ToolCall, CancellationToken, ValueTask<string>> _handler =
        handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>Calls the handler with <paramref name="call"/> and <paramref name="cancellationToken"/>.</summary>
    /// <param name="call">The call to execute.</param>
    /// <param name="cancellationToken">Passed to the handler.</param>
    /// <returns>The handler's answer.</returns>
    public ValueTask<string> InvokeAsync(ToolCall call, CancellationToken cancellationToken) => _handler(call, cancellationToken);

    /// <summary>A tool from a synchronous handler; it runs on the caller's thread and ignores cancellation.</summary>
    /// <param name="handler">Executes a call and returns the text the model reads.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public static DelegateTool FromSync(Func<ToolCall, string> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new DelegateTool((call, _) => ValueTask.FromResult(handler(call)));
    }
}
