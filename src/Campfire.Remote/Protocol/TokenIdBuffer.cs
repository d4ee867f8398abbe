using System.Buffers;

namespace Campfire.Remote.Protocol;

/// <summary>A growable list of token ids on pooled storage, reused across events so that parsing does not allocate.</summary>
public sealed class TokenIdBuffer : IDisposable
{
    private int[] _items;

    /// <summary>An empty list with room for <paramref name="initialCapacity"/> ids (at least 16) before it regrows.</summary>
    public TokenIdBuffer(int initialCapacity = 64) => _items = ArrayPool<int>.Shared.Rent(Math.Max(initialCapacity, 16));

    /// <summary>How many ids the list holds.</summary>
    public int Count { get; private set; }

    /// <summary>The ids, valid until the next change to the list.</summary>
    public ReadOnlySpan<int> Span => _items.AsSpan(0, Count);

    /// <summary>The id at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Count"/>.</exception>
    public int this[int index] => (uint)index < (uint)Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Appends <paramref name="id"/>, doubling the pooled storage when full.</summary>
    public void Add(int id)
    {
        if (Count == _items.Length)
        {
            var bigger = ArrayPool<int>.Shared.Rent(_items.Length * 2);
            _items.AsSpan(0, Count).CopyTo(bigger);
            ArrayPool<int>.Shared.Return(_items);
            _items = bigger;
        }
        _items[Count++] = id;
    }

    /// <summary>Empties the list and keeps its storage for the next event.</summary>
    public void Clear() => Count = 0;

    /// <summary>Keeps only the last <paramref name="count"/> ids (SGLang's cumulative streams repeat earlier ids).</summary>
    public void KeepLast(int count)
    {
        if (count >= Count)
            return;
        if (count <= 0)
        {
            Count = 0;
            return;
        }
        _items.AsSpan(Count - count, count).CopyTo(_items);
        Count = count;
    }

    /// <summary>Returns the storage to the pool; the list is empty afterwards.</summary>
    public void Dispose()
    {
        if (_items.Length == 0)
            return;
        ArrayPool<int>.Shared.Return(_items);
        _items = [];
        Count = 0;
    }
}
