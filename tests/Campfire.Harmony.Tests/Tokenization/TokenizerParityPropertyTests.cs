using System.Text;
using Campfire.Harmony.Tokenization;
using CsCheck;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// Random strings assembled from the input classes the issue names, each encoded by us and by
/// Microsoft.ML.Tokenizers in the test itself; fixed seeds and counts so CI is repeatable and quick.
/// </summary>
public class TokenizerParityPropertyTests
{
    private static readonly string[] Fragments =
    [
        "the", "The", "THE", "quick", " brown", "Fox", "camelCase", "HTTPServer", "iOS", "x", "A",
        "'s", "'S", "'t", "'re", "'RE", "'ve", "'Ve", "'m", "'ll", "'LL", "'d", "'D", "'", "'r", "'l",
        "0", "7", "42", "123", "2024", "3.14", "1e-9", "٣", "๑๒", "²", "½", "Ⅻ",
        " ", "  ", "   ", "\t", "\n", "\r\n", "\r", "\n\n", " \n", "\u00A0", "\u2028", "\u2029", "\u3000", "\u0085", "\u000B",
        ".", ",", "!", "?", "...", "-", "--", "/", "//", "\\", "(", ")", "{", "}", "[", "]", "\"", "#", "@", "$", "%", "&", "*", "+", "=", "<", ">", "|", "~", "`", "^", "_", ":", ";",
        "é", "É", "ñ", "ß", "Ł", "ø", "ǅ", "ʰ", "\u0301", "\u0308", "\u20DD", "\u0903",
        "привет", "ПРИВЕТ", "Мир", "αβγ", "ΑΒΓ", "Ά", "مرحبا", "١٢", "שָׁלוֹם", "नमस्ते", "क्षि", "สวัสดี", "ครับ",
        "你好", "世界", "日本語", "カタカナ", "ひらがな", "한국어", "ᄀ", "𠜎", "𝐀", "𝑥", "𝟙",
        "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "❤️", "\u200D", "\uFE0F", "\u200B",
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uFFFD", "\uFEFF", "\u0000", "\u001B", "\u007F",
        "<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|call|>", "<|return|>", "<|constrain|>",
        "<|endoftext|>", "<|startoftext|>", "<|endofprompt|>", "<|reserved_200018|>", "<|reserved_201087|>",
        "<|", "|>", "<|x|>",
        "{\"a\":1}", "=>", "!=", "a/b", "\n/", "https://x.org/y",
    ];

    private static readonly Gen<string> FragmentText =
        Gen.Int[0, Fragments.Length - 1].Array[0, 40].Select(indexes =>
        {
            var builder = new StringBuilder();
            foreach (int i in indexes)
                builder.Append(Fragments[i]);
            return builder.ToString();
        });

    private static readonly Gen<string> AnyCharText = Gen.Char.Array[0, 40].Select(chars => new string(chars));

    private static readonly Gen<string> MixedText =
        Gen.Frequency((4, FragmentText), (1, AnyCharText), (1, Gen.Select(FragmentText, AnyCharText, FragmentText, (a, b, c) => a + b + c)));

    [Fact]
    public void Random_text_encodes_like_Microsoft_ML_Tokenizers_without_special_tokens()
    {
        MixedText.Sample(text =>
        {
            int[] expected = PeerTokenizers.Encode(text, allowSpecialTokens: false);
            int[] actual = O200kHarmonyTokenizer.Instance.EncodeToIds(text);
            Assert.Equal(expected, actual);
            Assert.Equal(expected.Length, O200kHarmonyTokenizer.Instance.CountTokens(text));
        }, seed: "0N0XIzNsQ0O2", iter: 4000, threads: 1);
    }

    [Fact]
    public void Random_text_encodes_like_Microsoft_ML_Tokenizers_with_special_tokens()
    {
        MixedText.Sample(text =>
        {
            int[] expected = PeerTokenizers.Encode(text, allowSpecialTokens: true);
            int[] actual = O200kHarmonyTokenizer.Instance.EncodeToIds(text, allowSpecialTokens: true);
            Assert.Equal(expected, actual);
        }, seed: "0mlmAdOq8lX3", iter: 4000, threads: 1);
    }

    [Fact]
    public void Random_well_formed_text_encodes_the_same_from_UTF8_and_from_chars()
    {
        FragmentText.Sample(text =>
        {
            if (!Utf8Roundtrips(text))
                return;
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            int[] fromChars = O200kHarmonyTokenizer.Instance.EncodeToIds(text, allowSpecialTokens: true);
            var fromBytes = new int[fromChars.Length + 1];
            var status = O200kHarmonyTokenizer.Instance.EncodeUtf8ToIds(utf8, fromBytes, out int consumed, out int written, allowSpecialTokens: true);
            Assert.Equal(System.Buffers.OperationStatus.Done, status);
            Assert.Equal(utf8.Length, consumed);
            Assert.Equal(fromChars, fromBytes[..written]);
        }, seed: "0TnR9t6rCeK1", iter: 2000, threads: 1);
    }

    private static bool Utf8Roundtrips(string text) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) == text;
}
