namespace Campfire.Harmony.Engine;

/// <summary>
/// Anything that continues a prompt of token ids: a scripted replay, the TorchSharp decode loop, a remote server.
/// Implementations stop at the first id in <paramref name="stopTokens"/> (and yield it) or at
/// <see cref="GenerationOptions.MaxTokens"/>, and honour cancellation within one step.
/// </summary>
public interface ITokenGenerator
{
    IAsyncEnumerable<int> GenerateAsync(
        ReadOnlyMemory<int> prompt,
        ReadOnlyMemory<int> stopTokens,
        GenerationOptions options,
        CancellationToken cancellationToken = default);
}
