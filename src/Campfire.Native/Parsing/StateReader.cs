using System.Buffers.Binary;

namespace Campfire.Native.Parsing;

/// <summary>Bounds-checked reader over a saved parser state; every shortfall is an InvalidState status.</summary>
internal ref struct StateReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool AtEnd => _rest.IsEmpty;

    public int ReadInt32()
    {
        if (_rest.Length < 4)
        {
            throw Corrupt("truncated");
        }

        int value = BinaryPrimitives.ReadInt32LittleEndian(_rest);
        _rest = _rest[4..];
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || _rest.Length < count)
        {
            throw Corrupt("truncated");
        }

        ReadOnlySpan<byte> bytes = _rest[..count];
        _rest = _rest[count..];
        return bytes;
    }

    public static NativeStatusException Corrupt(string what) =>
        new(CampfireStatus.InvalidState, $"the bytes are not a saved parser state of this library ({what})");
}
