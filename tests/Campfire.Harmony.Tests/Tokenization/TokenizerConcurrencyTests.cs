using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

public class TokenizerConcurrencyTests
{
    [Fact]
    public void Many_threads_encoding_and_decoding_at_once_get_the_single_threaded_results()
    {
        var tokenizer = O200kHarmonyTokenizer.Instance;
        string[] texts = [.. TokenizerCorpus.Samples.Select(s => s.Text)];
        int[][] expected = [.. texts.Select(t => tokenizer.EncodeToIds(t, allowSpecialTokens: true))];
        string[] decoded = [.. expected.Select(ids => tokenizer.Decode(ids))];

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 16 * texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            int k = i % texts.Length;
            var ids = new int[texts[k].Length * 2 + 1];
            tokenizer.EncodeToIds(texts[k], ids, out _, out int written, allowSpecialTokens: true);
            if (!ids.AsSpan(0, written).SequenceEqual(expected[k]))
                failures.Add($"encode {TokenizerCorpus.Samples[k].Name}");
            if (tokenizer.Decode(expected[k]) != decoded[k])
                failures.Add($"decode {TokenizerCorpus.Samples[k].Name}");
        });
        Assert.Empty(failures);
    }
}
