using System.Buffers;
using System.Text.Unicode;

namespace Campfire.Native;

/// <summary>UTF-8 text from C, validated and transcoded to UTF-16 in a pooled buffer (dispose to return it).</summary>
internal readonly ref struct Utf8Input
{
    private readonly char[]? _rented;

    public ReadOnlySpan<char> Chars { get; }

    private Utf8Input(char[]? rented, ReadOnlySpan<char> chars)
    {
        _rented = rented;
        Chars = chars;
    }

    /// <summary>Transcodes, or throws a status exception naming the byte offset of the first ill-formed sequence.</summary>
    public static Utf8Input Decode(ReadOnlySpan<byte> utf8, string parameter)
    {
        if (utf8.IsEmpty)
        {
            return new Utf8Input(null, default);
        }

        char[] rented = ArrayPool<char>.Shared.Rent(utf8.Length);
        OperationStatus status = Utf8.ToUtf16(utf8, rented, out int read, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            ArrayPool<char>.Shared.Return(rented);
            throw new NativeStatusException(
                CampfireStatus.InvalidUtf8,
                $"{parameter} is not valid UTF-8: ill-formed sequence at byte {read} of {utf8.Length}");
        }

        return new Utf8Input(rented, rented.AsSpan(0, written));
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<char>.Shared.Return(_rented);
        }
    }
}
