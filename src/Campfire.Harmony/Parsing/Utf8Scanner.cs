using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// UTF-8 classification with the "maximal subpart" rule that Rust's <c>String::from_utf8_lossy</c> (and so the
/// reference parser) uses: every ill-formed subsequence becomes exactly one U+FFFD.
/// </summary>
internal static class Utf8Scanner
{
    public static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    public enum Status : byte { Complete, Incomplete, Invalid }

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
            if (Classify(bytes, i, out int length) != Status.Complete)
                break;
            i += length;
        }
        return i;
    }

    /// <summary>
    /// Classifies the sequence starting at <paramref name="index"/>: Complete (length = its length), Incomplete (a
    /// valid prefix that runs to the end; length = bytes available) or Invalid (length = the maximal subpart, ≥ 1).
    /// </summary>
    public static Status Classify(ReadOnlySpan<byte> bytes, int index, out int length)
    {
        byte lead = bytes[index];
        int need = SequenceLength(lead);
        if (need == 0)
        {
            length = 1;
            return Status.Invalid;
        }
        int have = 1;
        while (have < need)
        {
            if (index + have >= bytes.Length)
            {
                length = have;
                return Status.Incomplete;
            }
            if (!IsValidContinuation(lead, have, bytes[index + have]))
            {
                length = have;
                return Status.Invalid;
            }
            have++;
        }
        length = need;
        return Status.Complete;
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
}
