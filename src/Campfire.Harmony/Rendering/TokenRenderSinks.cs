using System.Buffers;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Rendering;

/// <summary>A sink of token ids, which can also take already rendered ids.</summary>
internal interface ITokenRenderSink : IRenderSink
{
    void Tokens(scoped ReadOnlySpan<int> tokens);
}

/// <summary>Token sink over an <see cref="IBufferWriter{T}"/>: text pieces are tokenized straight into the writer.</summary>
internal struct BufferWriterRenderSink(HarmonyRenderer renderer, IBufferWriter<int> writer) : ITokenRenderSink
{
    public int Written;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Special(int tokenId)
    {
        writer.GetSpan(1)[0] = tokenId;
        writer.Advance(1);
        Written++;
    }

    public void Text(scoped ReadOnlySpan<char> text)
    {
        if (!text.IsEmpty)
            Written += renderer.Tokenizer.EncodeToIds(text, writer);
    }


    public void ComposedContent(Content content, bool conversationHasFunctionTools) =>
        Tokens(renderer.GetComposedContentTokens(content, conversationHasFunctionTools));

    public void Tokens(scoped ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty)
            return;
        tokens.CopyTo(writer.GetSpan(tokens.Length));
        writer.Advance(tokens.Length);
        Written += tokens.Length;
    }
}

/// <summary>
/// Token sink over a caller's span. Once something does not fit it stops writing (what it wrote is a correct prefix)
/// and remembers that the destination was too small.
/// </summary>
internal ref struct SpanRenderSink(HarmonyRenderer renderer, Span<int> destination) : ITokenRenderSink
{
    private readonly Span<int> _destination = destination;

    public int Written;
    public bool TooSmall;

    public void Special(int tokenId)
    {
        if (TooSmall)
            return;
        if ((uint)Written >= (uint)_destination.Length)
        {
            TooSmall = true;
            return;
        }
        _destination[Written++] = tokenId;
    }

    public void Text(scoped ReadOnlySpan<char> text)
    {
        if (TooSmall || text.IsEmpty)
            return;
        var status = renderer.Tokenizer.EncodeToIds(text, _destination[Written..], out _, out int written);
        Written += written;
        if (status != OperationStatus.Done)
            TooSmall = true;
    }


    public void ComposedContent(Content content, bool conversationHasFunctionTools) =>
        Tokens(renderer.GetComposedContentTokens(content, conversationHasFunctionTools));

    public void Tokens(scoped ReadOnlySpan<int> tokens)
    {
        if (TooSmall)
            return;
        int room = _destination.Length - Written;
        if (tokens.Length > room)
        {
            tokens[..room].CopyTo(_destination[Written..]);
            Written += room;
            TooSmall = true;
            return;
        }
        tokens.CopyTo(_destination[Written..]);
        Written += tokens.Length;
    }
}

/// <summary>A growable int buffer on pooled arrays, for cold-path rendering into a fresh array.</summary>
internal sealed class PooledIntBuffer : IBufferWriter<int>, IDisposable
{
    private int[] _buffer;
    private int _count;

    public PooledIntBuffer(int initialCapacity = 256) => _buffer = ArrayPool<int>.Shared.Rent(initialCapacity);

    public ReadOnlySpan<int> WrittenSpan => _buffer.AsSpan(0, _count);

    public int Count => _count;

    public void Advance(int count) => _count += count;

    public Memory<int> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<int> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    public int[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Empties the buffer for reuse, giving a very large array back to the pool.</summary>
    public void Reset()
    {
        _count = 0;
        if (_buffer.Length > 1 << 16)
        {
            ArrayPool<int>.Shared.Return(_buffer);
            _buffer = ArrayPool<int>.Shared.Rent(1024);
        }
    }

    private void Ensure(int sizeHint)
    {
        int needed = _count + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
            return;
        var bigger = ArrayPool<int>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        ArrayPool<int>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        ArrayPool<int>.Shared.Return(_buffer);
        _buffer = [];
        _count = 0;
    }
}
