using System.Buffers;
using System.Text;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// The streaming encoder gives the ids of the whole-text path for any way of cutting the bytes into chunks: inside
/// UTF-8 sequences, inside pieces, inside special-token literals; and it holds back only a little text.
/// </summary>
public class O200kStreamingEncoderTests
{
    private static O200kHarmonyTokenizer Tokenizer => O200kHarmonyTokenizer.Instance;

    private static readonly string[] Fragments =
    [
        "the", " The", "THE", "quick", " brown", "Fox", "camelCase", "HTTPServer", "'s", "'S", "'t", "'re", "'ll", "'", "'r",
        "0", "42", "123", "2024", "3.14", "٣", "๑๒", " ", "  ", "   ", "\t", "\n", "\r\n", "\r", "\n\n", " \n", "\u00A0", "\u3000",
        ".", ",", "!", "?", "...", "-", "/", "(", ")", "{", "}", "\"", "_", ":", ";", "|", "<", ">",
        "é", "É", "ß", "ǅ", "ʰ", "\u0301", "\u0308", "привет", "ΑΒΓ", "مرحبا", "שָׁלוֹם", "नमस्ते", "สวัสดี", "ครับ",
        "你好", "世界", "。", "，", "日本語", "カタカナ", "한국어", "𠜎", "𝐀", "😀", "👍🏽", "👨‍👩‍👧‍👦", "\uFEFF",
        "<|start|>", "<|end|>", "<|message|>", "<|reserved_200018|>", "<|", "|>", "{\"a\":1}", "=>", "https://x.org/y",
    ];

    private static int[] Whole(byte[] utf8, bool special, out OperationStatus status, out int consumed)
    {
        var ids = new int[utf8.Length + 8];
        status = Tokenizer.EncodeUtf8ToIds(utf8, ids, out consumed, out int written, special);
        return ids[..written];
    }

    private static int[] Streamed(byte[] utf8, IEnumerable<int> chunkLengths, bool special, out OperationStatus status, out long invalidOffset)
    {
        var encoder = new O200kStreamingEncoder(Tokenizer, special);
        var ids = new ArrayBufferWriter<int>();
        int at = 0;
        status = OperationStatus.NeedMoreData;
        foreach (int length in chunkLengths)
        {
            int take = Math.Min(length, utf8.Length - at);
            status = encoder.Encode(utf8.AsSpan(at, take), isFinalBlock: false, ids, out _);
            at += take;
            if (status != OperationStatus.NeedMoreData || at == utf8.Length)
                break;
        }
        if (status == OperationStatus.NeedMoreData)
        {
            if (at < utf8.Length)
                status = encoder.Encode(utf8.AsSpan(at), isFinalBlock: false, ids, out _);
            if (status == OperationStatus.NeedMoreData)
                status = encoder.Encode([], isFinalBlock: true, ids, out _);
        }
        invalidOffset = encoder.InvalidDataOffset;
        return ids.WrittenSpan.ToArray();
    }

    private static IEnumerable<int> Fixed(int length)
    {
        while (true)
            yield return length;
    }

    private static string RandomText(Random random, int fragments)
    {
        var text = new StringBuilder();
        for (int i = 0; i < fragments; i++)
            text.Append(Fragments[random.Next(Fragments.Length)]);
        return text.ToString();
    }

    public static TheoryData<string, int> SamplesAndChunkLengths()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, _) in TokenizerCorpus.Samples)
            foreach (int length in new[] { 1, 2, 3, 5, 16 })
                data.Add(name, length);
        return data;
    }

    [Theory]
    [MemberData(nameof(SamplesAndChunkLengths))]
    public void Every_sample_in_fixed_chunks_gives_the_whole_text_ids(string name, int chunkLength)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(TokenizerCorpus.Get(name));
        foreach (bool special in new[] { false, true })
        {
            int[] expected = Whole(utf8, special, out OperationStatus wholeStatus, out _);
            int[] actual = Streamed(utf8, Fixed(chunkLength), special, out OperationStatus status, out _);
            Assert.Equal(wholeStatus, status);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Random_text_cut_at_random_bytes_gives_the_whole_text_ids()
    {
        var random = new Random(20261202);
        for (int round = 0; round < 300; round++)
        {
            string text = RandomText(random, random.Next(1, 120));
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            var cuts = Enumerable.Range(0, 200).Select(_ => random.Next(0, 12)).ToArray();
            bool special = round % 2 == 1;
            int[] expected = Whole(utf8, special, out _, out _);
            int[] actual = Streamed(utf8, cuts, special, out OperationStatus status, out _);
            Assert.Equal(OperationStatus.Done, status);
            Assert.True(expected.SequenceEqual(actual), $"round {round}: \"{text}\"");
        }
    }

    [Fact]
    public void Large_text_in_64K_chunks_gives_the_whole_text_ids_and_holds_back_little()
    {
        var random = new Random(7);
        var text = new StringBuilder();
        while (text.Length < 1_500_000)
            text.Append(RandomText(random, 50)).Append(' ').Append(TokenizerCorpus.Samples[random.Next(TokenizerCorpus.Samples.Length)].Text).Append('\n');
        byte[] utf8 = Encoding.UTF8.GetBytes(text.ToString());
        int[] expected = Whole(utf8, false, out _, out _);

        var encoder = new O200kStreamingEncoder(Tokenizer);
        var ids = new ArrayBufferWriter<int>();
        int maxHeld = 0;
        for (int at = 0; at < utf8.Length; at += 65_536)
        {
            encoder.Encode(utf8.AsSpan(at, Math.Min(65_536, utf8.Length - at)), isFinalBlock: false, ids, out _);
            maxHeld = Math.Max(maxHeld, encoder.BufferedChars);
        }
        Assert.Equal(OperationStatus.Done, encoder.Encode([], isFinalBlock: true, ids, out _));
        Assert.Equal(expected, ids.WrittenSpan.ToArray());
        Assert.True(maxHeld < 16_384, $"held back {maxHeld} chars");
    }

    [Fact]
    public void Text_without_a_safe_cut_is_held_until_one_arrives()
    {
        string thai = string.Concat(Enumerable.Repeat("เป็นมนุษย์สุดประเสริฐเลิศคุณค่า", 40));   // one run of letters and marks
        byte[] utf8 = Encoding.UTF8.GetBytes(thai + "! and more");
        int[] expected = Whole(utf8, false, out _, out _);
        int[] actual = Streamed(utf8, Fixed(100), false, out OperationStatus status, out _);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'o', (byte)'k', 0xC3, 0x28 }, 1)]
    [InlineData(new byte[] { (byte)'o', (byte)'k', 0xC3, 0x28 }, 3)]
    [InlineData(new byte[] { (byte)'a', (byte)' ', (byte)'b', 0xE2, 0x82 }, 1)]
    [InlineData(new byte[] { (byte)'a', (byte)' ', (byte)'b', 0xE2, 0x82 }, 4)]
    [InlineData(new byte[] { (byte)'w', (byte)'o', (byte)'r', (byte)'d', (byte)' ', 0xFF, (byte)'x' }, 2)]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0xF0, 0x9F, 0x98 }, 2)]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 1)]
    public void Ill_formed_UTF8_stops_at_the_offset_the_whole_text_path_reports(byte[] utf8, int chunkLength)
    {
        int[] expected = Whole(utf8, false, out OperationStatus wholeStatus, out int consumed);
        int[] actual = Streamed(utf8, Fixed(chunkLength), false, out OperationStatus status, out long offset);
        Assert.Equal(OperationStatus.InvalidData, wholeStatus);
        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(consumed, offset);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_completed_stream_refuses_more_input_until_reset()
    {
        var encoder = new O200kStreamingEncoder(Tokenizer);
        var ids = new ArrayBufferWriter<int>();
        Assert.Equal(OperationStatus.Done, encoder.Encode("hi"u8, isFinalBlock: true, ids, out int written));
        Assert.Equal(ids.WrittenCount, written);
        Assert.Throws<InvalidOperationException>(() => encoder.Encode("x"u8, isFinalBlock: false, ids, out _));
        encoder.Reset();
        ids.ResetWrittenCount();
        Assert.Equal(OperationStatus.Done, encoder.Encode("hi"u8, isFinalBlock: true, ids, out _));
        Assert.Equal(Tokenizer.EncodeToIds("hi"), ids.WrittenSpan.ToArray());
    }

    [Fact]
    public void Streaming_a_chunk_allocates_nothing_once_warm()
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(string.Concat(TokenizerCorpus.Samples.Select(s => s.Text)));
        var encoder = new O200kStreamingEncoder(Tokenizer);
        var ids = new ArrayBufferWriter<int>(utf8.Length * 2);
        Assert.Equal(0, AllocationProbe.LeastAllocated(() =>
        {
            encoder.Reset();
            ids.ResetWrittenCount();
            for (int at = 0; at < utf8.Length; at += 97)
                encoder.Encode(utf8.AsSpan(at, Math.Min(97, utf8.Length - at)), isFinalBlock: false, ids, out _);
            encoder.Encode([], isFinalBlock: true, ids, out _);
        }, 20));
    }
}
