using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

public class Utf8StreamingDecoderTests
{
    private static O200kHarmonyTokenizer Tokenizer => O200kHarmonyTokenizer.Instance;

    public static TheoryData<string> Texts() =>
    [
        "plain ascii text",
        "𠜎𠜱𠝹𠱓 rare CJK split over byte tokens",
        "👨‍👩‍👧‍👦🏳️‍🌈👍🏽 emoji",
        "ऋषियों को सताने वाले दुष्ट",
        "Ærøskøbing ĳ ǅ 𝐀𝐁𝐂",
        "mixed <|end|> literal",
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void Byte_output_never_ends_inside_a_code_point(string text)
    {
        int[] ids = Tokenizer.EncodeToIds(text);
        var decoder = new Utf8StreamingDecoder();
        var all = new List<byte>();
        var chunk = new byte[Utf8StreamingDecoder.MaxBytesPerToken];
        foreach (int id in ids)
        {
            Assert.Equal(OperationStatus.Done, decoder.Append(id, chunk, out int written));
            Assert.True(Utf8.IsValid(chunk.AsSpan(0, written)), $"chunk after id {id} is not whole UTF-8");
            all.AddRange(chunk[..written]);
        }
        Assert.Equal(0, decoder.PendingByteCount);
        Assert.Equal(OperationStatus.Done, decoder.Flush(chunk, out int flushed));
        Assert.Equal(0, flushed);
        Assert.Equal(text, Encoding.UTF8.GetString(all.ToArray()));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Char_output_reassembles_the_text(string text)
    {
        int[] ids = Tokenizer.EncodeToIds(text);
        var decoder = new Utf8StreamingDecoder();
        var builder = new StringBuilder();
        var chunk = new char[Utf8StreamingDecoder.MaxBytesPerToken];
        foreach (int id in ids)
        {
            Assert.Equal(OperationStatus.Done, decoder.Append(id, chunk, out int written));
            if (written > 0)
                Assert.False(char.IsHighSurrogate(chunk[written - 1]), "chunk ends with half a surrogate pair");
            builder.Append(chunk, 0, written);
        }
        Assert.Equal(text, builder.ToString());
    }

    [Fact]
    public void A_code_point_split_over_tokens_is_held_until_complete()
    {
        // 0xF0 0x9F 0x98 0x80 (😀) fed as single-byte tokens.
        int[] byteTokens = [.. new byte[] { 0xF0, 0x9F, 0x98, 0x80 }.Select(b => ByteToken(b))];
        var decoder = new Utf8StreamingDecoder();
        var output = new byte[16];
        for (int i = 0; i < 3; i++)
        {
            decoder.Append(byteTokens[i], output, out int written);
            Assert.Equal(0, written);
            Assert.Equal(i + 1, decoder.PendingByteCount);
        }
        decoder.Append(byteTokens[3], output, out int last);
        Assert.Equal("😀", Encoding.UTF8.GetString(output, 0, last));
    }

    [Fact]
    public void An_unfinished_sequence_is_flushed_at_the_end()
    {
        var decoder = new Utf8StreamingDecoder();
        var bytes = new byte[8];
        decoder.Append(ByteToken(0xE4), bytes, out int written);
        Assert.Equal(0, written);
        Assert.Equal(OperationStatus.Done, decoder.Flush(bytes, out int flushed));
        Assert.Equal([0xE4], bytes[..flushed]);

        decoder.Append(ByteToken(0xE4), bytes, out _);
        var chars = new char[4];
        Assert.Equal(OperationStatus.Done, decoder.Flush(chars, out int charCount));
        Assert.Equal("\uFFFD", new string(chars, 0, charCount));
        Assert.Equal(0, decoder.PendingByteCount);
    }

    [Fact]
    public void A_sequence_that_can_never_complete_is_not_held()
    {
        var decoder = new Utf8StreamingDecoder();
        var chars = new char[8];
        decoder.Append(ByteToken(0xF0), chars, out int first);
        Assert.Equal(0, first);
        decoder.Append(Tokenizer.EncodeToIds("a")[0], chars, out int second);   // 'a' cannot continue F0
        Assert.Equal("\uFFFDa", new string(chars, 0, second));
    }

    [Fact]
    public void Too_small_destination_leaves_the_state_unchanged()
    {
        var decoder = new Utf8StreamingDecoder();
        int id = Tokenizer.EncodeToIds(" international")[0];
        Assert.Equal(OperationStatus.DestinationTooSmall, decoder.Append(id, new byte[2], out int written));
        Assert.Equal(0, written);
        var output = new byte[32];
        Assert.Equal(OperationStatus.Done, decoder.Append(id, output, out written));
        Assert.Equal(Tokenizer.GetTokenBytes(id).ToArray(), output[..written]);
    }

    private static int ByteToken(byte value)
    {
        Span<byte> one = [value];
        int rank = Tokenizer.Vocabulary.GetRank(one);
        Assert.NotEqual(O200kVocabulary.NotFound, rank);
        return rank;
    }
}
