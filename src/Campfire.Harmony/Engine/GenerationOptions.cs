namespace Campfire.Harmony.Engine;

/// <summary>Sampling settings shared by every generator. Temperature 0 means greedy.</summary>
public sealed record GenerationOptions
{
    public static GenerationOptions Default { get; } = new();

    public int MaxTokens { get; init; } = 2048;
    public float Temperature { get; init; }
    public float TopP { get; init; } = 1f;
    public int? Seed { get; init; }
}
