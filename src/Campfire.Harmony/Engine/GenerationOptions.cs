namespace Campfire.Harmony.Engine;

/// <summary>Sampling settings shared by every <see cref="ITokenGenerator"/>.</summary>
public sealed record GenerationOptions
{
    /// <summary>2048 tokens, greedy, no seed.</summary>
    public static GenerationOptions Default { get; } = new();

    /// <summary>The most tokens one generate call produces, the stop token included. A turn that reaches it without a
    /// stop token ends the run with <see cref="StopReason.MaxTokens"/>.</summary>
    public int MaxTokens { get; init; } = 2048;

    /// <summary>Softmax temperature; 0 (the default) means greedy, the most likely token every step.</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus sampling: sample among the most likely tokens whose probabilities sum to this mass, in (0, 1];
    /// 1 (the default) keeps every token. Ignored when <see cref="Temperature"/> is 0.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Seeds sampling for this call, so the same seed, prompt and settings give the same tokens; null lets the
    /// generator go on from its own random state.</summary>
    public int? Seed { get; init; }
}
