using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using Campfire.Harmony.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// Microsoft.ML.Tokenizers 2.0.1, the parity target, built for o200k_harmony the way a user of that library would:
/// its o200k_harmony encoding plus the reserved special tokens it lacks as extra special tokens. That library always recognises its special
/// tokens, so "special tokens not allowed" is the same vocabulary and regex with no special tokens at all.
/// </summary>
internal static class PeerTokenizers
{
    public const string O200kPattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Lazy<TiktokenTokenizer> LazyWithSpecials = new(() =>
    {
        // The library's own o200k_harmony knows ids 199998..200018; the reserved ids above are added as extras.
        var builtIn = TiktokenTokenizer.CreateForEncoding("o200k_harmony").SpecialTokens!;
        var extra = HarmonySpecialTokens().Where(t => !builtIn.ContainsKey(t.Key)).ToDictionary(t => t.Key, t => t.Value);
        return TiktokenTokenizer.CreateForEncoding("o200k_harmony", extra);
    });

    private static readonly Lazy<TiktokenTokenizer> LazyOrdinary = new(() =>
    {
        using Stream ranks = OpenRanks();
        return TiktokenTokenizer.Create(ranks, new RegexPreTokenizer(new Regex(O200kPattern, RegexOptions.Compiled), null), normalizer: null, specialTokens: null);
    });

    /// <summary>o200k_base with every o200k_harmony special token: the peer for allowSpecialTokens: true.</summary>
    public static TiktokenTokenizer WithSpecials => LazyWithSpecials.Value;

    /// <summary>o200k_base with no special tokens: the peer for allowSpecialTokens: false.</summary>
    public static TiktokenTokenizer Ordinary => LazyOrdinary.Value;

    public static int[] Encode(string text, bool allowSpecialTokens) =>
        (allowSpecialTokens ? WithSpecials : Ordinary).EncodeToIds(text).ToArray();

    public static Dictionary<string, int> HarmonySpecialTokens()
    {
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = HarmonyTokens.FirstSpecial; id < HarmonyTokens.VocabularySize; id++)
        {
            string literal = O200kHarmonyTokenizer.Instance.Decode([id]);
            tokens[literal] = id;
        }
        tokens["<|reserved_200018|>"] = HarmonyTokens.EndOfPrompt;
        return tokens;
    }

    private static Stream OpenRanks()
    {
        var assembly = Assembly.Load(new AssemblyName("Microsoft.ML.Tokenizers.Data.O200kBase"));
        Stream compressed = assembly.GetManifestResourceStream("o200k_base.tiktoken.deflate")!;
        var plain = new MemoryStream();
        using (var inflater = new DeflateStream(compressed, CompressionMode.Decompress))
            inflater.CopyTo(plain);
        plain.Position = 0;
        return plain;
    }
}
