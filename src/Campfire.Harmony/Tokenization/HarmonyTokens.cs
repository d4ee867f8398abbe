namespace Campfire.Harmony.Tokenization;

/// <summary>Ids of the o200k_harmony special tokens used by the Harmony format.</summary>
public static class HarmonyTokens
{
    public const int StartOfText = 199998;
    public const int EndOfText = 199999;
    public const int Return = 200002;
    public const int Constrain = 200003;
    public const int Channel = 200005;
    public const int Start = 200006;
    public const int End = 200007;
    public const int Message = 200008;
    public const int Call = 200012;
    public const int EndOfPrompt = 200018;

    /// <summary>First special id; every id below it is an ordinary (BPE-ranked) token.</summary>
    public const int FirstSpecial = 199998;

    /// <summary>Number of ids: 199,998 ordinary ranks plus the specials; <c>&lt;|reserved_N|&gt;</c> fills the gaps up to 201,087.</summary>
    public const int VocabularySize = 201088;
}
