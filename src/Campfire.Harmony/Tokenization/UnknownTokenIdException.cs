namespace Campfire.Harmony.Tokenization;

/// <summary>A token id outside o200k_harmony's vocabulary (0 to 201,087) was asked to be decoded.</summary>
public sealed class UnknownTokenIdException : HarmonyException
{
    /// <summary>An unknown id decoded on its own (<see cref="Index"/> is -1).</summary>
    /// <param name="tokenId">The id outside the vocabulary.</param>
    public UnknownTokenIdException(int tokenId)
        : base($"unknown token id {tokenId}: o200k_harmony ids are 0 to {HarmonyTokens.VocabularySize - 1}")
    {
        TokenId = tokenId;
    }

    /// <summary>An unknown id at <paramref name="index"/> of a sequence being decoded.</summary>
    /// <param name="tokenId">The id outside the vocabulary.</param>
    /// <param name="index">Its position in the sequence.</param>
    public UnknownTokenIdException(int tokenId, int index)
        : base($"unknown token id {tokenId} at index {index}: o200k_harmony ids are 0 to {HarmonyTokens.VocabularySize - 1}")
    {
        TokenId = tokenId;
        Index = index;
    }

    /// <summary>The id that is not in the vocabulary.</summary>
    public int TokenId { get; }

    /// <summary>Position of the id in the sequence being decoded, or -1 when it was decoded on its own.</summary>
    public int Index { get; } = -1;
}
