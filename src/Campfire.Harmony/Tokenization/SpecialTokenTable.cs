using System.Collections.Frozen;
using System.Globalization;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// The literal of every o200k_harmony special id and the id of every literal: the named tokens of
/// <see cref="HarmonyTokens.Named"/>, and &lt;|reserved_N|&gt; for every other id from 199,998 to 201,087. Like
/// tiktoken's o200k_harmony table, "&lt;|reserved_200018|&gt;" is also accepted for 200018, which decodes as
/// "&lt;|endofprompt|&gt;".
/// </summary>
internal static class SpecialTokenTable
{
    private static readonly string[] Literals = BuildLiterals();
    private static readonly FrozenDictionary<string, int> Ids = BuildIds();
    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> IdsBySpan =
        Ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Length of the longest literal ("&lt;|reserved_200000|&gt;", 19 chars, today); bounds the search in <see cref="Find"/>.</summary>
    public static readonly int MaxLiteralLength = Ids.Keys.Max(literal => literal.Length);

    private static string[] BuildLiterals()
    {
        var literals = new string[HarmonyTokens.VocabularySize - HarmonyTokens.FirstSpecial];
        for (int id = HarmonyTokens.FirstSpecial; id < HarmonyTokens.VocabularySize; id++)
            literals[id - HarmonyTokens.FirstSpecial] = ReservedLiteral(id);
        foreach (SpecialToken token in HarmonyTokens.Named)
            literals[token.Id - HarmonyTokens.FirstSpecial] = token.Literal;
        return literals;
    }

    private static string ReservedLiteral(int id) => "<|reserved_" + id.ToString(CultureInfo.InvariantCulture) + "|>";

    private static FrozenDictionary<string, int> BuildIds()
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = HarmonyTokens.FirstSpecial; id < HarmonyTokens.VocabularySize; id++)
            ids.Add(Literals[id - HarmonyTokens.FirstSpecial], id);
        ids.Add(ReservedLiteral(HarmonyTokens.EndOfPrompt), HarmonyTokens.EndOfPrompt);
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
