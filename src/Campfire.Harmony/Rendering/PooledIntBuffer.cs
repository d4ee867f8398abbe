using System.Buffers;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// A growable int buffer on pooled arrays, for cold-path rendering into a fresh array. CommunityToolkit.HighPerformance's
/// <c>ArrayPoolBufferWriter&lt;int&gt;</c> was measured in its place (docs/architecture.md): its instances are larger and
/// finalizable, which cost about 0.3 KB more per cold render of the 3,800-token benchmark conversation, so this stays.
/// </summary>
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
