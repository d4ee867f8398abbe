namespace Campfire.Harmony.Parsing;

/// <summary>
/// The vocabulary's arrays as static readonly fields: once this class is initialised, optimised code treats them as
/// constants, which saves the hot path two dependent loads per token.
/// </summary>
internal static class ParserTables
{
    public static readonly ulong[] Entries = ParserVocabulary.Instance.Entries;
    public static readonly byte[] Blob = ParserVocabulary.Instance.Blob;

    static ParserTables()
    {
    }
}
