using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>Token-for-token parity with Microsoft.ML.Tokenizers over a corpus of every input class the issue names.</summary>
public class TokenizerParityCorpusTests
{
    // Theory rows carry only the sample's name: test names holding lone surrogates break the test host's result channel.
    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in TokenizerCorpus.Samples)
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Encoding_matches_Microsoft_ML_Tokenizers_without_special_tokens(string name)
    {
        string text = TokenizerCorpus.Get(name);
        int[] expected = PeerTokenizers.Encode(text, allowSpecialTokens: false);
        int[] actual = O200kHarmonyTokenizer.Instance.EncodeToIds(text);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Encoding_matches_Microsoft_ML_Tokenizers_with_special_tokens(string name)
    {
        string text = TokenizerCorpus.Get(name);
        int[] expected = PeerTokenizers.Encode(text, allowSpecialTokens: true);
        int[] actual = O200kHarmonyTokenizer.Instance.EncodeToIds(text, allowSpecialTokens: true);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Well_formed_text_round_trips_through_decode(string name)
    {
        string text = TokenizerCorpus.Get(name);
        if (!System.Text.Unicode.Utf8.IsValid(System.Text.Encoding.UTF8.GetBytes(text)) || HasLoneSurrogate(text))
            return; // lone surrogates are pinned by their own test: their bytes are not UTF-8
        int[] ids = O200kHarmonyTokenizer.Instance.EncodeToIds(text);
        Assert.Equal(text, O200kHarmonyTokenizer.Instance.Decode(ids));
        Assert.Equal(ids.Length, O200kHarmonyTokenizer.Instance.CountTokens(text));
        _ = name;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }
        return false;
    }

    [Fact]
    public void The_ordinary_peer_agrees_with_the_stock_o200k_base_tokenizer_on_text_without_literals()
    {
        var stock = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base");
        foreach (var (name, text) in TokenizerCorpus.Samples)
        {
            if (text.Contains("<|", StringComparison.Ordinal))
                continue;
            Assert.True(stock.EncodeToIds(text).SequenceEqual(PeerTokenizers.Encode(text, allowSpecialTokens: false)), name);
        }
    }
}
