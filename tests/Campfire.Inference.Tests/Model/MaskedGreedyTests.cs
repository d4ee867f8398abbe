using Campfire.Decoding;
using Campfire.Harmony.Constraints;
using Campfire.Inference.Runtime;

namespace Campfire.Inference.Tests.Model;

public sealed class MaskedGreedyTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    private static ulong[] RandomMask(ref SplitMix64 random, int vocabulary, double density)
    {
        var mask = new ulong[TokenMask.WordCount(vocabulary)];
        for (int id = 0; id < vocabulary; id++)
            if (random.NextDouble() < density) mask[id >> 6] |= 1UL << (id & 63);
        if (TokenMask.CountAllowed(mask) == 0) mask[0] = 1;
        return mask;
    }

    private static ulong[] Only(int vocabulary, int id)
    {
        var mask = new ulong[TokenMask.WordCount(vocabulary)];
        mask[id >> 6] = 1UL << (id & 63);
        return mask;
    }

    [Fact]
    public void The_masked_pick_on_the_device_equals_the_masked_argmax_of_the_host_logits_at_every_step()
    {
        using var onDevice = GptOssDecodeModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu);
        using var onHost = GptOssDecodeModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu);
        var logits = new float[256];
        var random = new SplitMix64(21);
        int[] prompt = TinyModelFixture.Sequence[..5];

        // Masks of every density, everything allowed, and single ids in the sign bit of a word
        // (id 63, 255: the device shifts int64 words, so bit 63 makes them negative).
        var masks = new List<ulong[]>();
        foreach (double density in new[] { 0.9, 0.5, 0.1, 0.02 })
            for (int i = 0; i < 3; i++) masks.Add(RandomMask(ref random, 256, density));
        masks.Add(Only(256, 63));
        masks.Add(Only(256, 255));
        masks.Add(Only(256, 0));
        var everything = new ulong[TokenMask.WordCount(256)];
        Array.Fill(everything, ulong.MaxValue);
        masks.Add(everything);

        int a = onDevice.PrefillGreedy(prompt, masks[0]);
        onHost.Prefill(prompt, logits);
        int b = TokenSampler.MaskedArgMax(logits, masks[0]);
        Assert.Equal(b, a);
        int hidFavourite = 0;
        for (int step = 1; step < masks.Count; step++)
        {
            var mask = masks[step];
            a = onDevice.DecodeGreedy(a, mask);
            onHost.Decode(b, logits);
            b = TokenSampler.MaskedArgMax(logits, mask);
            Assert.Equal(b, a);
            Assert.True(TokenMask.IsAllowed(mask, a));
            if (TokenSampler.ArgMax(logits) != b) hidFavourite++;
        }
        // The masks did change the pick: the test is not passing on unmasked argmaxes.
        Assert.True(hidFavourite >= 5, $"only {hidFavourite} steps where the mask changed the pick");
    }

    [Fact]
    public void A_mask_shorter_than_the_vocabulary_or_allowing_nothing_is_refused_before_the_step()
    {
        using var model = GptOssDecodeModel.Load(tiny.OriginalFolder, InferenceDevice.Cpu);
        Assert.Throws<ArgumentException>(() => model.PrefillGreedy(TinyModelFixture.Sequence[..3], new ulong[3]));
        Assert.Contains("allows no token", Assert.Throws<SamplingException>(() => model.PrefillGreedy(TinyModelFixture.Sequence[..3], new ulong[4])).Message);
        Assert.Empty(model.CachedTokens);
    }
}
