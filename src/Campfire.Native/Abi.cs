using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Native;

/// <summary>Argument checks and buffer hand-off shared by every export; each failure records the last error.</summary>
internal static unsafe class Abi
{
    public const int Ok = (int)CampfireStatus.Ok;

    public static int Null(string parameter) => LastError.Fail(CampfireStatus.NullPointer, $"{parameter} is NULL");

    public static int Invalid(string message) => LastError.Fail(CampfireStatus.InvalidArgument, message);

    /// <summary>An input (pointer, length) pair: NULL is accepted only with length 0.</summary>
    public static bool TryInput<T>(T* pointer, nuint length, string parameter, out ReadOnlySpan<T> span, out int status)
        where T : unmanaged
    {
        span = default;
        if (pointer == null && length != 0)
        {
            status = Null(parameter);
            return false;
        }

        if (length > int.MaxValue)
        {
            status = Invalid($"{parameter} length {length} exceeds {int.MaxValue}");
            return false;
        }

        span = new ReadOnlySpan<T>(pointer, (int)length);
        status = Ok;
        return true;
    }

    /// <summary>An output (pointer, capacity) pair: NULL is accepted only with capacity 0 (a size query).</summary>
    public static bool TryOutput<T>(T* pointer, nuint capacity, string parameter, out int status) where T : unmanaged
    {
        if (pointer == null && capacity != 0)
        {
            status = Null(parameter);
            return false;
        }

        status = Ok;
        return true;
    }

    /// <summary>
    /// Copies a result into the caller's buffer, or reports the size it needs: <paramref name="required"/> always
    /// receives the element count, and nothing is written unless all of it fits.
    /// </summary>
    public static int CopyOut<T>(ReadOnlySpan<T> result, T* destination, nuint capacity, nuint* required, string what)
        where T : unmanaged
    {
        *required = (nuint)result.Length;
        if ((nuint)result.Length > capacity)
        {
            return LastError.Fail(
                CampfireStatus.BufferTooSmall,
                $"{what} needs {result.Length} {ElementNoun<T>()} but the buffer holds {capacity}");
        }

        result.CopyTo(new Span<T>(destination, result.Length));
        return Ok;
    }

    public static string ElementNoun<T>() => typeof(T) == typeof(byte) ? "bytes" : "tokens";

    /// <summary>A NUL-terminated string that lives in the library image (a u8 literal ending in \0) as a C pointer.</summary>
    public static byte* StaticString(ReadOnlySpan<byte> literalWithTerminator)
    {
        // The pointer outlives the span: only a u8 literal (data in the image, never moved or freed) may come here.
        System.Diagnostics.Debug.Assert(!literalWithTerminator.IsEmpty && literalWithTerminator[^1] == 0, "a C string literal must end in \\0");
        return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(literalWithTerminator));
    }
}
