using System.Buffers;

namespace Campfire.Native;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over an array rented from <see cref="ArrayPool{T}.Shared"/>. Exports keep one per
/// thread and reset it per call, so a warm call does not allocate; <see cref="Reset"/> hands oversized arrays back
/// to the pool so one huge request does not pin its buffer to the thread forever.
/// </summary>
internal sealed class PooledBufferWriter<T> : IBufferWriter<T>
{
    private const int KeepCapacity = 1 << 16;
    private T[] _buffer = ArrayPool<T>.Shared.Rent(1024);
    private int _written;

    public ReadOnlySpan<T> WrittenSpan => _buffer.AsSpan(0, _written);

    public int WrittenCount => _written;

    /// <summary>The written part, writable: for headers filled in after their payload.</summary>
    public Span<T> WrittenSpanForPatching => _buffer.AsSpan(0, _written);

    public void Reset()
    {
        _written = 0;
        if (_buffer.Length > KeepCapacity)
        {
            ArrayPool<T>.Shared.Return(_buffer);
            _buffer = ArrayPool<T>.Shared.Rent(1024);
        }
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("advanced past the end of the buffer");
        }

        _written += count;
    }

    public Memory<T> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<T> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        int size = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_written + needed));
        T[] grown = ArrayPool<T>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        ArrayPool<T>.Shared.Return(_buffer);
        _buffer = grown;
    }
}

/// <summary>Per-thread scratch writers for the stateless exports.</summary>
internal static class Scratch
{
    [ThreadStatic] private static PooledBufferWriter<int>? t_tokens;
    [ThreadStatic] private static PooledBufferWriter<byte>? t_bytes;

    public static PooledBufferWriter<int> Tokens()
    {
        PooledBufferWriter<int> writer = t_tokens ??= new PooledBufferWriter<int>();
        writer.Reset();
        return writer;
    }

    public static PooledBufferWriter<byte> Bytes()
    {
        PooledBufferWriter<byte> writer = t_bytes ??= new PooledBufferWriter<byte>();
        writer.Reset();
        return writer;
    }
}
