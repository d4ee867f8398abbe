using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// The inside of a JSON string, one byte at a time, as a 7-state machine shared by <see cref="JsonMachine"/> and the
/// per-vocabulary string cache (<see cref="ConstraintVocabulary"/>), so that both agree on every byte. Escapes
/// <c>\uD800</c>–<c>\uDFFF</c> are refused: a lone surrogate would not decode, and characters beyond the BMP can be
/// written as UTF-8.
/// </summary>
internal static class JsonStringLexer
{
    /// <summary>Number of states: 0 plain, 1 after a backslash, 2–5 in <c>\u</c> with 4–1 hex digits to go,
    /// 6 after <c>\uD</c>.</summary>
    public const int StateCount = 7;

    public const int Continue = 0;
    public const int Closed = 1;
    public const int Dead = -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Step(ref byte state, byte b)
    {
        switch (state)
        {
            case 0:
                if (b == (byte)'"') return Closed;
                if (b == (byte)'\\') state = 1;
                else if (b < 0x20) return Dead;
                return Continue;
            case 1:
                if (b == (byte)'u') { state = 2; return Continue; }
                if (b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
                {
                    state = 0;
                    return Continue;
                }
                return Dead;
            case 2:
                if (b is (byte)'d' or (byte)'D') { state = 6; return Continue; }
                if (!IsHex(b)) return Dead;
                state = 3;
                return Continue;
            case 3:
            case 4:
                if (!IsHex(b)) return Dead;
                state++;
                return Continue;
            case 5:
                if (!IsHex(b)) return Dead;
                state = 0;
                return Continue;
            default: // 6: after \uD, only D000–D7FF
                if (b < (byte)'0' || b > (byte)'7') return Dead;
                state = 4;
                return Continue;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsHex(byte b) => (uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 5;
}
