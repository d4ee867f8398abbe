namespace Campfire.Decoding;

/// <summary>
/// A greedy model that can also apply a token mask where its logits live (on the device), so constrained greedy decoding
/// moves one bitmask of <c>VocabularySize / 64</c> words to the device and one id back per step, never a row of logits.
/// The mask has the <see cref="Campfire.Harmony.Constraints.TokenMask"/> layout; the pick is the first maximum among the
/// allowed ids, as <see cref="TokenSampler.MaskedArgMax"/> picks it on the host.
/// </summary>
public interface IMaskedGreedyDecodeModel : IGreedyDecodeModel
{
    /// <summary>Processes the prompt as <see cref="IDecodeModel.Prefill"/> does and returns the best allowed next id.</summary>
    /// <param name="prompt">The prompt ids.</param>
    /// <param name="mask">At least <c>TokenMask.WordCount(VocabularySize)</c> words; at least one id must be allowed.</param>
    int PrefillGreedy(ReadOnlySpan<int> prompt, ReadOnlySpan<ulong> mask);

    /// <summary>Appends <paramref name="token"/> and returns the best allowed next id.</summary>
    /// <param name="token">The id just generated.</param>
    /// <param name="mask">At least <c>TokenMask.WordCount(VocabularySize)</c> words; at least one id must be allowed.</param>
    int DecodeGreedy(int token, ReadOnlySpan<ulong> mask);
}
