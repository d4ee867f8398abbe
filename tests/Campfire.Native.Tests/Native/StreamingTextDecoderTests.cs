using System.Buffers;
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
    /// <summary>The decoding this class did on its own before it became an adapter over Utf8StreamingDecoder: whole
    /// runes copied, U+FFFD per ill-formed subsequence, an incomplete tail held (or, when final, replaced).</summary>
    private static int RuneByRune(List<byte> held, ReadOnlySpan<byte> token, List<byte> output, bool final)
    {
        byte[] joined = [.. held, .. token];
        ReadOnlySpan<byte> pending = joined;
        while (!pending.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(pending, out _, out int consumed);
            if (status == OperationStatus.NeedMoreData && !final)
            {
                held.Clear();
                held.AddRange(pending.ToArray());
                return pending.Length;
            }
            output.AddRange(status == OperationStatus.Done ? pending[..consumed].ToArray() : "\uFFFD"u8.ToArray());
            pending = pending[consumed..];
        }
        held.Clear();
        return 0;
    }

    [Fact]
    public void Random_bytes_ill_formed_ones_included_decode_as_the_rune_by_rune_decoder_did()
    {
        var random = new Random(20260311);
        byte[][] fragments =
        [
            "a"u8.ToArray(), "é"u8.ToArray(), "€"u8.ToArray(), "🔥"u8.ToArray(), [0x80], [0xC0], [0xC2], [0xE0, 0x80],
            [0xED, 0xA0, 0x80], [0xF0], [0xF0, 0x9F], [0xF0, 0x9F, 0x94], [0xF4, 0x90], [0xF5], [0xFF], [0xE2, 0x82],
        ];
        for (int round = 0; round < 3000; round++)
        {
            var bytes = new List<byte>();
            for (int i = random.Next(1, 10); i > 0; i--)
                bytes.AddRange(random.Next(4) == 0 ? [(byte)random.Next(256)] : fragments[random.Next(fragments.Length)]);
            var decoder = new StreamingTextDecoder();
            var held = new List<byte>();
            var expected = new List<byte>();
            var actual = new PooledBufferWriter<byte>();
            for (int at = 0; at < bytes.Count;)
            {
                byte[] token = [.. bytes.Skip(at).Take(random.Next(0, 5))];
                at += token.Length;
                int heldBack = decoder.Decode(token, actual, final: false);
                Assert.Equal(RuneByRune(held, token, expected, final: false), heldBack);
                decoder.Commit(token, heldBack);
                Assert.Equal(held.Count, decoder.HeldCount);
            }
            decoder.Decode(default, actual, final: true);
            RuneByRune(held, default, expected, final: true);
            Assert.Equal(expected.ToArray(), actual.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void Decoding_allocates_nothing_per_token()
    {
        byte[][] tokens = [.. Encoding.UTF8.GetBytes("naïve café 🔥 Москва 東京都").Chunk(3), [0xFF], [0xF0, 0x9F]];
        var output = new PooledBufferWriter<byte>();
        var decoder = new StreamingTextDecoder();
        void DecodeAll()
        {
            foreach (byte[] token in tokens)
            {
                output.Reset();
                decoder.Commit(token, decoder.Decode(token, output, final: false));
            }
            output.Reset();
            decoder.Decode(default, output, final: true);
            decoder.Clear();
        }

        for (int i = 0; i < 100; i++)
            DecodeAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            DecodeAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
