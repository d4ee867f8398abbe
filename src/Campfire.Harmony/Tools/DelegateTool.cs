using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

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
