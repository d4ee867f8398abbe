namespace Campfire.Harmony.Tokenization;

/// <summary>What <see cref="Utf8Sequence.Classify"/> found at a position.</summary>
internal enum Utf8SequenceStatus : byte
{
    /// <summary>A whole, well-formed code point.</summary>
    Complete,

    /// <summary>A well-formed prefix of a code point that runs to the end of the bytes: more bytes may complete it.</summary>
    Incomplete,

    /// <summary>A maximal ill-formed subsequence: one U+FFFD.</summary>
    Invalid,
}
