namespace Campfire.Harmony.Engine;

/// <summary>
/// Anything that continues a prompt of token ids: a scripted replay, the TorchSharp decode loop, a remote server.
/// Implementations stop at the first of the call's stop tokens (and yield it) or at
/// <see cref="GenerationOptions.MaxTokens"/>, and honour cancellation within one step.
/// </summary>
public interface ITokenGenerator
{
    /// <summary>Generates the tokens that follow <paramref name="prompt"/>, one at a time as they are produced.</summary>
    /// <param name="prompt">The whole prompt as token ids (the engine's ends in <c>&lt;|start|&gt;assistant</c>, or in a
    /// forced header).</param>
    /// <param name="stopTokens">Ids that end the turn; the first one generated is yielded, then the sequence ends.</param>
    /// <param name="options">Sampling settings and the token limit of this call.</param>
    /// <param name="cancellationToken">Stops generation within one step with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The generated ids, at most <see cref="GenerationOptions.MaxTokens"/>, the stop token included.</returns>
    IAsyncEnumerable<int> GenerateAsync(
        ReadOnlyMemory<int> prompt,
        ReadOnlyMemory<int> stopTokens,
        GenerationOptions options,
        CancellationToken cancellationToken = default);
}
