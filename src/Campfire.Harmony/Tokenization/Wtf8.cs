using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// UTF-16 to UTF-8 as Microsoft.ML.Tokenizers does it for BPE: surrogate pairs become 4-byte sequences and a lone
/// surrogate becomes the 3-byte form of its code unit (ED A0 80..ED BF BF), not U+FFFD. Matching this is what keeps
/// our ids identical to the peer's for strings that are not well-formed UTF-16.
/// </summary>
internal static class Wtf8
{
    /// <summary>Encodes <paramref name="chars"/> into <paramref name="bytes"/> (at least 3 bytes per char); returns the byte count.</summary>
    public static int Encode(ReadOnlySpan<char> chars, Span<byte> bytes)
    {
        int written = 0;
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (c < 0x80)
            {
                bytes[written++] = (byte)c;
            }
            else if (c < 0x800)
            {
                bytes[written] = (byte)(0xC0 | (c >> 6));
                bytes[written + 1] = (byte)(0x80 | (c & 0x3F));
                written += 2;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                int codePoint = char.ConvertToUtf32(c, chars[++i]);
                bytes[written] = (byte)(0xF0 | (codePoint >> 18));
                bytes[written + 1] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                bytes[written + 2] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                bytes[written + 3] = (byte)(0x80 | (codePoint & 0x3F));
                written += 4;
            }
            else
            {
                bytes[written] = (byte)(0xE0 | (c >> 12));
                bytes[written + 1] = (byte)(0x80 | ((c >> 6) & 0x3F));
                bytes[written + 2] = (byte)(0x80 | (c & 0x3F));
                written += 3;
            }
        }
        return written;
    }
}
