using System.Buffers;
using System.Text;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>Encoding and decoding into caller buffers allocate nothing once warm (measured, not timed).</summary>
public class TokenizerAllocationTests
{
    private static O200kHarmonyTokenizer Tokenizer => O200kHarmonyTokenizer.Instance;

    private static readonly string Text = string.Concat(TokenizerCorpus.Samples.Select(s => s.Text)) + "<|start|>user<|message|>hi<|end|>";

    private static long AllocatedBy(Action action, int iterations = 20) => AllocationProbe.LeastAllocated(action, iterations);

    [Fact]
    public void Encoding_chars_into_a_span_allocates_nothing()
    {
        var ids = new int[Text.Length * 2];
        Assert.Equal(0, AllocatedBy(() =>
        {
            Tokenizer.EncodeToIds(Text, ids, out _, out _);
            Tokenizer.EncodeToIds(Text, ids, out _, out _, allowSpecialTokens: true);
        }));
    }

    [Fact]
    public void Resuming_after_a_too_small_span_allocates_nothing()
    {
        var ids = new int[4096];   // larger than any one piece of the text needs, smaller than the whole
        Assert.Equal(0, AllocatedBy(() =>
        {
            ReadOnlySpan<char> rest = Text;
            while (Tokenizer.EncodeToIds(rest, ids, out int consumed, out _) != OperationStatus.Done)
                rest = rest[consumed..];
        }));
    }

    [Fact]
    public void Encoding_UTF8_into_a_span_allocates_nothing()
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(Text.Replace("\uD800", "").Replace("\uDBFF", "").Replace("\uDC00", "").Replace("\uDE00\uD83D", "").Replace("end\uD83D", "end"));
        var ids = new int[utf8.Length];
        Assert.Equal(0, AllocatedBy(() => Tokenizer.EncodeUtf8ToIds(utf8, ids, out _, out _)));
    }

    [Fact]
    public void Encoding_into_a_buffer_writer_allocates_nothing()
    {
        var writer = new ArrayBufferWriter<int>(Text.Length * 2);
        Assert.Equal(0, AllocatedBy(() =>
        {
            writer.ResetWrittenCount();
            Tokenizer.EncodeToIds(Text, writer);
        }));
    }

    [Fact]
    public void Counting_allocates_nothing()
    {
        Assert.Equal(0, AllocatedBy(() => Tokenizer.CountTokens(Text, allowSpecialTokens: true)));
    }

    [Fact]
    public void Decoding_into_a_span_allocates_nothing()
    {
        int[] ids = Tokenizer.EncodeToIds(Text, allowSpecialTokens: true);
        var bytes = new byte[Tokenizer.GetDecodedByteCount(ids)];
        Assert.Equal(0, AllocatedBy(() => Tokenizer.DecodeToUtf8(ids, bytes, out _, out _)));
    }

    [Fact]
    public void Streaming_decoding_allocates_nothing()
    {
        int[] ids = Tokenizer.EncodeToIds(Text, allowSpecialTokens: true);
        var bytes = new byte[Utf8StreamingDecoder.MaxBytesPerToken];
        var chars = new char[Utf8StreamingDecoder.MaxBytesPerToken];
        Assert.Equal(0, AllocatedBy(() =>
        {
            var decoder = new Utf8StreamingDecoder();
            foreach (int id in ids)
                decoder.Append(id, bytes, out _);
            decoder.Flush(bytes, out _);
            foreach (int id in ids)
                decoder.Append(id, chars, out _);
            decoder.Flush(chars, out _);
        }));
    }
}
