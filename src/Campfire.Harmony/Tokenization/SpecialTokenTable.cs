using System.Collections.Frozen;
using System.Globalization;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// The o200k_harmony special tokens: the named Harmony tokens, o200k_base's &lt;|endofprompt|&gt; and
/// &lt;|reserved_N|&gt; for every other id from 199,998 to 201,087. Like tiktoken's o200k_harmony table,
/// "&lt;|reserved_200018|&gt;" is also accepted for 200018; 200018 decodes as "&lt;|endofprompt|&gt;".
/// </summary>
internal static class SpecialTokenTable
{
    /// <summary>Longest literal ("&lt;|reserved_200000|&gt;" is 19 chars, "&lt;|startoftext|&gt;" 15).</summary>
    public const int MaxLiteralLength = 19;

    private static readonly string[] Literals = BuildLiterals();
    private static readonly FrozenDictionary<string, int> Ids = BuildIds();
    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> IdsBySpan =
        Ids.GetAlternateLookup<ReadOnlySpan<char>>();

    private static string[] BuildLiterals()
    {
        var literals = new string[HarmonyTokens.VocabularySize - HarmonyTokens.FirstSpecial];
        for (int id = HarmonyTokens.FirstSpecial; id < HarmonyTokens.VocabularySize; id++)
        {
            literals[id - HarmonyTokens.FirstSpecial] = id switch
            {
                HarmonyTokens.StartOfText => "<|startoftext|>",
                HarmonyTokens.EndOfText => "<|endoftext|>",
                HarmonyTokens.Return => "<|return|>",
                HarmonyTokens.Constrain => "<|constrain|>",
                HarmonyTokens.Channel => "<|channel|>",
                HarmonyTokens.Start => "<|start|>",
                HarmonyTokens.End => "<|end|>",
                HarmonyTokens.Message => "<|message|>",
                HarmonyTokens.Call => "<|call|>",
                HarmonyTokens.EndOfPrompt => "<|endofprompt|>",
                _ => "<|reserved_" + id.ToString(CultureInfo.InvariantCulture) + "|>",
            };
        }
        return literals;
    }

    private static FrozenDictionary<string, int> BuildIds()
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = HarmonyTokens.FirstSpecial; id < HarmonyTokens.VocabularySize; id++)
            ids.Add(Literals[id - HarmonyTokens.FirstSpecial], id);
        ids.Add("<|reserved_200018|>", HarmonyTokens.EndOfPrompt);
        return ids.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every literal accepted when special tokens are allowed, with its id (both spellings of 200018 included).</summary>
    public static IEnumerable<KeyValuePair<string, int>> All => Ids;

    public static string GetLiteral(int id) => Literals[id - HarmonyTokens.FirstSpecial];

    public static bool TryGetId(ReadOnlySpan<char> literal, out int id) => IdsBySpan.TryGetValue(literal, out id);

    /// <summary>
    /// Finds the first special-token literal in <paramref name="text"/>; returns its index (or -1) with its id and length.
    /// All literals have the form &lt;|name|&gt; with no '|' inside the name, so at most one can start at a given index.
    /// </summary>
    public static int Find(ReadOnlySpan<char> text, out int id, out int length)
    {
        int searched = 0;
        while (true)
        {
            int open = text[searched..].IndexOf("<|");
            if (open < 0)
                break;
            open += searched;
            ReadOnlySpan<char> candidate = text.Slice(open + 2, Math.Min(text.Length - open - 2, MaxLiteralLength - 2));
            int close = candidate.IndexOf("|>");
            if (close >= 0 && TryGetId(text.Slice(open, close + 4), out id))
            {
                length = close + 4;
                return open;
            }
            searched = open + 1;
        }
        id = 0;
        length = 0;
        return -1;
    }
}
