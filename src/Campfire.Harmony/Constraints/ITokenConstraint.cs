namespace Campfire.Harmony.Constraints;

/// <summary>
/// The grammar of one generated sequence, one token at a time: before each sampling step it says which ids may come
/// next, and it advances past the id that was chosen. A decode loop (or a host running its own model through the C ABI)
/// samples only among the allowed ids, so the output cannot leave the grammar. One instance follows one sequence and is
/// not thread-safe; warm instances allocate nothing per token.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Ids run from 0 to <c>VocabularySize - 1</c>; masks hold <see cref="TokenMask.WordCount"/> words for it.</summary>
    int VocabularySize { get; }

    /// <summary>True once the sequence may end here: a terminator that ends the turn (<c>&lt;|return|&gt;</c>,
    /// <c>&lt;|call|&gt;</c>) was accepted. After that no id is allowed.</summary>
    bool IsComplete { get; }

    /// <summary>Writes the ids allowed next as a bitmask: bit <c>id % 64</c> of word <c>id / 64</c> is set when
    /// <c>id</c> may come next. Words past the vocabulary's last id are cleared.</summary>
    /// <param name="mask">At least <see cref="TokenMask.WordCount"/>(<see cref="VocabularySize"/>) words.</param>
    /// <exception cref="ArgumentException"><paramref name="mask"/> is shorter than that.</exception>
    void WriteAllowedTokens(Span<ulong> mask);

    /// <summary>Advances past <paramref name="tokenId"/> when it is allowed; leaves the state unchanged and returns
    /// false when it is not (an id the last mask did not allow, or one out of range).</summary>
    bool TryAccept(int tokenId);

    /// <summary>Does ahead of time the one-time work that would otherwise land on the first tokens of each kind of
    /// position (compiling the mask's code paths, bringing its tables into memory), so that a caller can overlap it
    /// with a prefill. Optional and idempotent; the state of the sequence does not change. Not to be called
    /// concurrently with this instance's other members.</summary>
    void Prepare()
    {
    }
}
