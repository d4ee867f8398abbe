using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>
/// Executes the calls the model addresses to one registered recipient prefix. Throwing is allowed: the engine turns
/// the exception into an error tool result that the model can read, so a failing tool never ends the conversation.
/// </summary>
public interface ITool
{
    ValueTask<string> InvokeAsync(ToolCall call, CancellationToken cancellationToken);

    /// <summary>Forgets per-conversation state (the engine calls it when its conversation is cleared).</summary>
    void Reset() { }
}
