using Campfire.Harmony.Constraints;

namespace Campfire.Native.Constraints;

/// <summary>
/// One constrained sequence behind a <c>campfire_constraint</c> handle: the grammar's per-token state, with the ABI's
/// rules on top (mask length checked and reported as a status, extra words cleared, a refused id leaves the state as
/// it was). Allocates nothing per token once warm.
/// </summary>
internal sealed class NativeConstraint(ITokenConstraint constraint)
{
    public int WordCount { get; } = TokenMask.WordCount(constraint.VocabularySize);

    public bool IsComplete => constraint.IsComplete;

    /// <summary>The grammar's one-time warm-up (see <see cref="ITokenConstraint.Prepare"/>); the state does not change.</summary>
    public void Prepare() => constraint.Prepare();

    /// <summary>Fills <paramref name="mask"/> for the next token; words past the vocabulary's (a host's padded
    /// vocabulary) are cleared: those ids are never allowed.</summary>
    public int FillMask(Span<ulong> mask)
    {
        if (mask.Length < WordCount)
        {
            return LastError.Fail(CampfireStatus.BufferTooSmall,
                $"the mask needs {WordCount} words (CAMPFIRE_MASK_WORDS) but the buffer holds {mask.Length}");
        }

        constraint.WriteAllowedTokens(mask[..WordCount]);
        mask[WordCount..].Clear();
        return Abi.Ok;
    }

    public int Accept(int token)
    {
        if ((uint)token >= (uint)constraint.VocabularySize)
        {
            return LastError.Fail(CampfireStatus.UnknownToken,
                $"token id {token} is outside 0..{constraint.VocabularySize - 1}");
        }

        return constraint.TryAccept(token)
            ? Abi.Ok
            : LastError.Fail(CampfireStatus.TokenNotAllowed,
                constraint.IsComplete
                    ? $"token {token} is not allowed: the sequence is complete (a terminator was accepted); the constraint is unchanged"
                    : $"token {token} is not allowed here by the grammar; the constraint is unchanged");
    }
}
