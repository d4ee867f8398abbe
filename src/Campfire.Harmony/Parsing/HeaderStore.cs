using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// The bytes of the current header, kept inside the parser's struct so that a copy of the parser is a full,
/// independent snapshot. Headers longer than the inline capacity spill to a heap array that copies share
/// append-only: a copy that appends where another already appended clones first, so copies never see each other's
/// bytes. Real headers (role, channel, recipient, content type) fit inline, so the hot path never allocates.
/// </summary>
internal struct HeaderStore
{
    public const int InlineCapacity = 256;

    private InlineBytes _inline;
    private Spill? _spill;
    private int _length;

    public readonly int Length => _length;

    [UnscopedRef]
    public ReadOnlySpan<byte> Bytes => _spill is { } spill ? spill.Data.AsSpan(0, _length) : ((ReadOnlySpan<byte>)_inline)[.._length];

    [UnscopedRef]
    public ReadOnlySpan<byte> Slice(int start, int length) => Bytes.Slice(start, length);

    public void Clear()
    {
        _length = 0;
        _spill = null;
    }

    /// <summary>Forgets everything after <paramref name="length"/> bytes (scratch regions appended while parsing).</summary>
    public void Truncate(int length)
    {
        if (length < _length)
            _length = length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(ReadOnlySpan<byte> bytes)
    {
        int newLength = _length + bytes.Length;
        if (_spill is null && newLength <= InlineCapacity)
        {
            bytes.CopyTo(((Span<byte>)_inline)[_length..]);
            _length = newLength;
            return;
        }
        AppendSpilled(bytes);
    }

    public void Append(byte value) => Append([value]);

    private void AppendSpilled(ReadOnlySpan<byte> bytes)
    {
        int newLength = _length + bytes.Length;
        var spill = _spill;
        if (spill is null || spill.Length != _length || spill.Data.Length < newLength)
        {
            // Either first spill, or another copy of this parser appended past our length (the bytes beyond it are
            // theirs), or the array is full: move to a private, larger array. Reads of the old one stay valid.
            var data = new byte[Math.Max(newLength * 2, InlineCapacity * 4)];
            Bytes.CopyTo(data);
            spill = new Spill(data);
            _spill = spill;
        }
        bytes.CopyTo(spill.Data.AsSpan(_length));
        spill.Length = newLength;
        _length = newLength;
    }

    private sealed class Spill(byte[] data)
    {
        public readonly byte[] Data = data;
        public int Length;
    }

    [InlineArray(InlineCapacity)]
    private struct InlineBytes
    {
        private byte _element;
    }
}
