using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// The shared UTF-8 rules (<see cref="Utf8Sequence"/>) and the byte-level decoding every streaming decoder is built on
/// (<see cref="Utf8StreamingDecoder"/> over raw token bytes, with and without replacement), checked against .NET's own
/// lossy decoder, which follows the same maximal-subpart practice.
/// </summary>
public class Utf8SequenceTests
{
    private static readonly byte[][] Fragments =
    [
        "a"u8.ToArray(), "é"u8.ToArray(), "€"u8.ToArray(), "🔥"u8.ToArray(), "東京"u8.ToArray(),
        [0x80], [0xBF], [0xC0], [0xC1], [0xC2], [0xE0], [0xE0, 0x80], [0xED, 0xA0, 0x80], [0xF0], [0xF0, 0x9F],
        [0xF0, 0x9F, 0x94], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFF], [0xE2, 0x82], [0x9F, 0x94, 0xA5],
    ];

    /// <summary>Random bytes, mostly fragments of well-formed and ill-formed UTF-8, cut into random tokens.</summary>
    private static (byte[] All, List<byte[]> Tokens) RandomStream(Random random)
    {
        var all = new List<byte>();
        int parts = random.Next(1, 12);
        for (int i = 0; i < parts; i++)
            all.AddRange(random.Next(5) == 0 ? [(byte)random.Next(256)] : Fragments[random.Next(Fragments.Length)]);
        byte[] bytes = [.. all];
        var tokens = new List<byte[]>();
        for (int at = 0; at < bytes.Length;)
        {
            int length = Math.Min(random.Next(0, 5), bytes.Length - at);
            tokens.Add(bytes[at..(at + length)]);
            at += length;
        }
        return (bytes, tokens);
    }

    [Fact]
    public void Replacing_byte_output_equals_a_lossy_decode_of_the_whole_stream_and_each_chunk_is_whole_utf8()
    {
        var random = new Random(20260311);
        var chunk = new byte[64];
        for (int round = 0; round < 5000; round++)
        {
            var (all, tokens) = RandomStream(random);
            var decoder = new Utf8StreamingDecoder(replaceInvalidSequences: true);
            var output = new List<byte>();
            foreach (byte[] token in tokens)
            {
                Assert.Equal(OperationStatus.Done, decoder.Append(token, chunk, out int written));
                Assert.True(Utf8.IsValid(chunk.AsSpan(0, written)), $"round {round}: a chunk is not whole UTF-8");
                output.AddRange(chunk[..written]);
            }
            Assert.Equal(OperationStatus.Done, decoder.Flush(chunk, out int flushed));
            output.AddRange(chunk[..flushed]);
            Assert.Equal(Encoding.UTF8.GetString(all), Encoding.UTF8.GetString([.. output]));
            Assert.Equal(0, decoder.PendingByteCount);
        }
    }

    [Fact]
    public void Passing_byte_output_returns_every_byte_and_holds_only_completable_tails()
    {
        var random = new Random(20260312);
        var chunk = new byte[64];
        for (int round = 0; round < 5000; round++)
        {
            var (all, tokens) = RandomStream(random);
            var decoder = new Utf8StreamingDecoder();
            var output = new List<byte>();
            foreach (byte[] token in tokens)
            {
                Assert.Equal(OperationStatus.Done, decoder.Append(token, chunk, out int written));
                output.AddRange(chunk[..written]);
                Assert.True(decoder.PendingByteCount <= 3);
            }
            Assert.Equal(OperationStatus.Done, decoder.Flush(chunk, out int flushed));
            output.AddRange(chunk[..flushed]);
            Assert.Equal(all, output.ToArray());
        }
    }

    [Fact]
    public void A_too_small_destination_leaves_the_replacing_decoder_unchanged()
    {
        var decoder = new Utf8StreamingDecoder(replaceInvalidSequences: true);
        var output = new byte[16];
        Assert.Equal(OperationStatus.Done, decoder.Append([0xF0, 0x9F], output, out _));
        Assert.Equal(OperationStatus.DestinationTooSmall, decoder.Append([0x41, 0x80, 0x80], new byte[6], out int written));
        Assert.Equal(0, written);
        Assert.Equal(2, decoder.PendingByteCount);
        Assert.Equal(OperationStatus.Done, decoder.Append([0x41, 0x80, 0x80], output, out written));
        Assert.Equal("\uFFFDA\uFFFD\uFFFD", Encoding.UTF8.GetString(output, 0, written));
    }

    [Fact]
    public void The_replacing_flush_writes_one_replacement_character_for_an_unfinished_sequence()
    {
        var decoder = new Utf8StreamingDecoder(replaceInvalidSequences: true);
        var output = new byte[8];
        decoder.Append([0xE2, 0x82], output, out int written);
        Assert.Equal(0, written);
        Assert.Equal(OperationStatus.DestinationTooSmall, decoder.Flush(new byte[2], out _));
        Assert.Equal(OperationStatus.Done, decoder.Flush(output, out int flushed));
        Assert.Equal("\uFFFD", Encoding.UTF8.GetString(output, 0, flushed));
        Assert.Equal(0, decoder.PendingByteCount);
        Assert.True(decoder.ReplacesInvalidSequences);
    }

    [Fact]
    public void Bytes_longer_than_the_stack_scratch_decode_the_same()
    {
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("naïve 🔥 ", 60)));
        var decoder = new Utf8StreamingDecoder(replaceInvalidSequences: true);
        var output = new byte[3 * (text.Length + 3)];
        Assert.Equal(OperationStatus.Done, decoder.Append([0xF0], output, out int first));
        Assert.Equal(OperationStatus.Done, decoder.Append(text, output.AsSpan(first), out int second));
        Assert.Equal("\uFFFD" + Encoding.UTF8.GetString(text), Encoding.UTF8.GetString(output, 0, first + second));
    }

    [Theory]
    [InlineData(new byte[] { 0x41 }, 1)]
    [InlineData(new byte[] { 0x41, 0xE2, 0x82 }, 1)]
    [InlineData(new byte[] { 0x41, 0xF0, 0x9F, 0x94 }, 1)]
    [InlineData(new byte[] { 0x41, 0xF0, 0x8F }, 3)]          // F0 8F can never be completed
    [InlineData(new byte[] { 0x41, 0xED, 0xA0 }, 3)]          // a surrogate
    [InlineData(new byte[] { 0xE2, 0x82, 0xAC }, 3)]
    [InlineData(new byte[] { 0x80, 0x80, 0x80 }, 3)]
    [InlineData(new byte[] { 0xC2 }, 0)]
    public void The_complete_prefix_leaves_out_only_a_completable_tail(byte[] bytes, int expected)
    {
        Assert.Equal(expected, Utf8Sequence.CompletePrefixLength(bytes));
    }

    [Fact]
    public void Replacing_decoding_of_raw_bytes_allocates_nothing()
    {
        byte[][] tokens = [.. RandomStream(new Random(7)).Tokens, Encoding.UTF8.GetBytes(new string('x', 400))];
        var output = new byte[2048];
        Assert.Equal(0, AllocationProbe.LeastAllocated(() =>
        {
            var decoder = new Utf8StreamingDecoder(replaceInvalidSequences: true);
            foreach (byte[] token in tokens)
                decoder.Append(token, output, out _);
            decoder.Flush(output, out _);
        }, 20));
    }
}
