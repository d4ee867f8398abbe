using System.Text;
using Campfire.Native;

namespace Campfire.Native.Tests.Native;

public sealed class StreamingTextDecoderTests
{
    private static string Run(StreamingTextDecoder decoder, params byte[][] tokens)
    {
        var output = new PooledBufferWriter<byte>();
        foreach (byte[] token in tokens)
        {
            int held = decoder.Decode(token, output, final: false);
            decoder.Commit(token, held);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void A_character_split_across_three_tokens_comes_out_whole_with_the_last_one()
    {
        byte[] fire = Encoding.UTF8.GetBytes("🔥");
        var decoder = new StreamingTextDecoder();

        Assert.Equal(string.Empty, Run(decoder, [fire[0]], fire[1..2]));
        Assert.Equal(2, decoder.HeldCount);
        Assert.Equal("🔥!", Run(decoder, [fire[2], fire[3], (byte)'!']));
        Assert.Equal(0, decoder.HeldCount);
    }

    [Fact]
    public void Bytes_that_can_never_form_a_character_become_replacement_characters()
    {
        var decoder = new StreamingTextDecoder();
        Assert.Equal("\uFFFDa\uFFFD", Run(decoder, [0x80, (byte)'a', 0xFF]));
        Assert.Equal(string.Empty, Run(decoder, [0xE2, 0x82]));
        Assert.Equal("\uFFFDb", Run(decoder, [(byte)'b']));
    }

    [Fact]
    public void The_final_flush_replaces_an_incomplete_character()
    {
        var decoder = new StreamingTextDecoder();
        Run(decoder, [0xF0, 0x9F]);
        var output = new PooledBufferWriter<byte>();
        decoder.Decode(default, output, final: true);
        Assert.Equal("\uFFFD", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Random_text_cut_at_random_points_round_trips()
    {
        var random = new Random(20261125);
        string[] samples = ["naïve café", "Москва", "東京都", "🔥🎉👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "plain ascii"];
        for (int round = 0; round < 500; round++)
        {
            string text = string.Concat(Enumerable.Range(0, 6).Select(_ => samples[random.Next(samples.Length)]));
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            var pieces = new List<byte[]>();
            for (int at = 0; at < bytes.Length;)
            {
                int length = Math.Min(random.Next(1, 6), bytes.Length - at);
                pieces.Add(bytes[at..(at + length)]);
                at += length;
            }

            Assert.Equal(text, Run(new StreamingTextDecoder(), [.. pieces]));
        }
    }
}
