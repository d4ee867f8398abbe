namespace Campfire.Harmony.Constraints;

/// <summary>The bitmask layout shared by <see cref="ITokenConstraint"/>, the samplers that read it and the C ABI: bit
/// <c>id % 64</c> of word <c>id / 64</c>, set when the id is allowed.</summary>
public static class TokenMask
{
    /// <summary>Words a mask over <paramref name="vocabularySize"/> ids needs (3,142 for o200k_harmony's 201,088).</summary>
    public static int WordCount(int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vocabularySize);
        return (vocabularySize + 63) >> 6;
    }

    /// <summary>Whether <paramref name="tokenId"/> is allowed by <paramref name="mask"/> (false when out of its range).</summary>
    public static bool IsAllowed(ReadOnlySpan<ulong> mask, int tokenId) =>
        tokenId >= 0 && (tokenId >> 6) < mask.Length && (mask[tokenId >> 6] & (1UL << (tokenId & 63))) != 0;

    /// <summary>How many ids <paramref name="mask"/> allows.</summary>
    public static int CountAllowed(ReadOnlySpan<ulong> mask)
    {
        int count = 0;
        foreach (ulong word in mask) count += System.Numerics.BitOperations.PopCount(word);
        return count;
    }
}
