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

/// <summary>Sampling settings shared by every generator. Temperature 0 means greedy.</summary>
public sealed record GenerationOptions
{
    public static GenerationOptions Default { get; } = new();

    public int MaxTokens { get; init; } = 2048;
    public float Temperature { get; init; }
    public float TopP { get; init; } = 1f;
    public int? Seed { get; init; }
}
