using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// The UTF-8 rules every byte-level consumer of token bytes shares (the streaming decoders, the C ABI's decoder and the
/// parser), with the "maximal subpart" practice of Unicode that Rust's <c>String::from_utf8_lossy</c> (and so the
/// reference parser) and .NET's decoders follow: every ill-formed subsequence becomes exactly one U+FFFD.
/// </summary>
internal static class Utf8Sequence
{
    /// <summary>U+FFFD in UTF-8.</summary>
    public static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    /// <summary>True when <paramref name="bytes"/> is a sequence of whole, valid code points.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> bytes) => ValidPrefixLength(bytes) == bytes.Length;

    /// <summary>Length of the longest prefix made of whole valid code points.</summary>
    public static int ValidPrefixLength(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] < 0x80)
            {
                i++;
                continue;
            }
            if (Classify(bytes, i, out int length) != Utf8SequenceStatus.Complete)
                break;
            i += length;
        }
        return i;
    }

    /// <summary>
    /// Classifies the sequence starting at <paramref name="index"/>: Complete (length = its length), Incomplete (a
    /// valid prefix that runs to the end; length = bytes available) or Invalid (length = the maximal subpart, ≥ 1).
    /// </summary>
    public static Utf8SequenceStatus Classify(ReadOnlySpan<byte> bytes, int index, out int length)
    {
        byte lead = bytes[index];
        int need = SequenceLength(lead);
        if (need == 0)
        {
            length = 1;
            return Utf8SequenceStatus.Invalid;
        }
        int have = 1;
        while (have < need)
        {
            if (index + have >= bytes.Length)
            {
                length = have;
                return Utf8SequenceStatus.Incomplete;
            }
            if (!IsValidContinuation(lead, have, bytes[index + have]))
            {
                length = have;
                return Utf8SequenceStatus.Invalid;
            }
            have++;
        }
        length = need;
        return Utf8SequenceStatus.Complete;
    }

    /// <summary>Total length of a sequence led by <paramref name="lead"/>, or 0 when it cannot lead one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        < 0xC2 => 0,
        < 0xE0 => 2,
        < 0xF0 => 3,
        < 0xF5 => 4,
        _ => 0,
    };

    /// <summary>Whether <paramref name="value"/> may stand at <paramref name="position"/> (1..3) after <paramref name="lead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidContinuation(byte lead, int position, byte value)
    {
        // The second byte's range depends on the lead: that is what rules out overlong forms, surrogates and code
        // points above U+10FFFF without decoding.
        if (position == 1)
        {
            return lead switch
            {
                0xE0 => value is >= 0xA0 and <= 0xBF,
                0xED => value is >= 0x80 and <= 0x9F,
                0xF0 => value is >= 0x90 and <= 0xBF,
                0xF4 => value is >= 0x80 and <= 0x8F,
                _ => value is >= 0x80 and <= 0xBF,
            };
        }
        return value is >= 0x80 and <= 0xBF;
    }

    /// <summary>
    /// Length of the prefix that does not end inside a code point: a trailing sequence that is incomplete but could
    /// still be completed by more bytes is left out; anything else (ill-formed bytes included) is in.
    /// </summary>
    public static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        // An incomplete sequence is at most 3 bytes, so its lead is among the last 3; the last byte that is not a
        // continuation byte is the only candidate.
        int length = bytes.Length;
        int lowest = Math.Max(0, length - 3);
        for (int start = length - 1; start >= lowest; start--)
        {
            if ((bytes[start] & 0xC0) == 0x80)
                continue;
            return Classify(bytes, start, out _) == Utf8SequenceStatus.Incomplete ? start : length;
        }
        return length;
    }

    /// <summary>
    /// Copies <paramref name="bytes"/> with every maximal ill-formed subsequence (a trailing incomplete one included)
    /// replaced by U+FFFD. Returns false, having written an unspecified part, when <paramref name="destination"/> is
    /// too small; three bytes per input byte always suffice.
    /// </summary>
    public static bool TryCopyReplacingInvalid(ReadOnlySpan<byte> bytes, Span<byte> destination, out int bytesWritten)
    {
        if (Utf8.IsValid(bytes))
        {
            bool fits = bytes.TryCopyTo(destination);
            bytesWritten = fits ? bytes.Length : 0;
            return fits;
        }
        int written = 0;
        int at = 0;
        while (at < bytes.Length)
        {
            int run = ValidPrefixLength(bytes[at..]);
            if (!bytes.Slice(at, run).TryCopyTo(destination[written..]))
                break;
            written += run;
            at += run;
            if (at == bytes.Length)
            {
                bytesWritten = written;
                return true;
            }
            Classify(bytes, at, out int invalid);
            if (!ReplacementCharacter.TryCopyTo(destination[written..]))
                break;
            written += ReplacementCharacter.Length;
            at += invalid;
        }
        bytesWritten = written;
        return at == bytes.Length;
    }
}
