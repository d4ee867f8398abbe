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

    /// <summary>Generates the tokens that follow <see cref="TokenGenerationRequest.Prompt"/>; the engine calls this one.
    /// It also says how many leading prompt ids are unchanged since the previous request
    /// (<see cref="TokenGenerationRequest.UnchangedPrefixLength"/>), so a generator with a KV cache can prefill only the
    /// rest. By default it ignores that hint and calls
    /// <see cref="GenerateAsync(ReadOnlyMemory{int}, ReadOnlyMemory{int}, GenerationOptions, CancellationToken)"/>.</summary>
    /// <param name="request">The prompt, stop ids, settings and unchanged prefix.</param>
    /// <param name="cancellationToken">Stops generation within one step with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The generated ids, at most <see cref="GenerationOptions.MaxTokens"/>, the stop token included.</returns>
    IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default) =>
        GenerateAsync(request.Prompt, request.StopTokens, request.Options, cancellationToken);
}
