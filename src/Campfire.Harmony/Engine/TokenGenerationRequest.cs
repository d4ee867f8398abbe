namespace Campfire.Harmony.Engine;

/// <summary>One call to an <see cref="ITokenGenerator"/>: the prompt, the ids that end the turn, the sampling settings,
/// and how much of the prompt is unchanged since the caller's previous request to the same generator.</summary>
/// <param name="Prompt">The whole prompt as token ids. Valid only until the generated sequence ends: the engine renders
/// each round into the same buffer.</param>
/// <param name="StopTokens">Ids that end the turn; the first one generated is yielded, then the sequence ends.</param>
/// <param name="Options">Sampling settings and the token limit of this call.</param>
/// <param name="UnchangedPrefixLength">How many leading ids of <paramref name="Prompt"/> equal the previous request's
/// prompt followed by the ids generated for it (0: nothing is known to be shared). A generator with a KV cache may keep
/// the cache for that prefix and prefill only the rest; generators that cache prefixes themselves (vLLM, SGLang) or
/// keep no cache ignore it. It is a hint from one caller: a generator shared by several callers must check it against
/// what it holds.</param>
/// <param name="Constraint">When set, the generator samples each token only among the ids this constraint allows and
/// advances it past each token it yields (<c>--constrain</c>); it starts right after <see cref="Prompt"/>. Generators
/// that cannot apply a mask (remote servers) throw <see cref="NotSupportedException"/> rather than ignore it.</param>
public readonly record struct TokenGenerationRequest(
    ReadOnlyMemory<int> Prompt,
    ReadOnlyMemory<int> StopTokens,
    GenerationOptions Options,
    int UnchangedPrefixLength = 0,
    Campfire.Harmony.Constraints.ITokenConstraint? Constraint = null);
