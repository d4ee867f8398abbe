using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tools;

/// <summary>
/// Executes the calls the model addresses to one registered recipient prefix. Throwing is allowed: the engine turns
/// the exception into an error tool result that the model can read, so a failing tool never ends the conversation.
/// </summary>
public interface ITool
{
    /// <summary>Executes one call.</summary>
    /// <param name="call">The call; <see cref="ToolCall.Method"/> says which method of a namespace is meant, and
    /// <see cref="ToolCall.Args"/> holds the arguments as the model wrote them (the engine checks that a function
    /// tool with parameters got a JSON object, but not the schema).</param>
    /// <param name="cancellationToken">Cancelled when the run is; throw <see cref="OperationCanceledException"/> to stop.</param>
    /// <returns>The text the model reads as the tool's answer (null is taken as empty).</returns>
    /// <exception cref="ToolUsageException">The call is wrong; the message is written for the model.</exception>
    ValueTask<string> InvokeAsync(ToolCall call, CancellationToken cancellationToken);

    /// <summary>Forgets per-conversation state (the engine calls it when its conversation is cleared).</summary>
    void Reset() { }
}
