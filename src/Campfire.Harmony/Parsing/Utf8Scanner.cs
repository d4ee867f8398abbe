using System.Runtime.CompilerServices;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// The parser's names for the shared UTF-8 rules of <see cref="Utf8Sequence"/> ("maximal subpart": every ill-formed
/// subsequence becomes exactly one U+FFFD, as in the reference parser). Thin forwarders, kept so that the parser's calls
/// stay as they are; new code can call <see cref="Utf8Sequence"/> directly.
/// </summary>
internal static class Utf8Scanner
{
    public static ReadOnlySpan<byte> ReplacementCharacter => Utf8Sequence.ReplacementCharacter;

    /// <summary>The parser's copy of <see cref="Utf8SequenceStatus"/>, value for value.</summary>
    public enum Status : byte
    {
        Complete = (byte)Utf8SequenceStatus.Complete,
        Incomplete = (byte)Utf8SequenceStatus.Incomplete,
        Invalid = (byte)Utf8SequenceStatus.Invalid,
    }

    /// <inheritdoc cref="Utf8Sequence.IsComplete"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsComplete(ReadOnlySpan<byte> bytes) => Utf8Sequence.IsComplete(bytes);

    /// <inheritdoc cref="Utf8Sequence.ValidPrefixLength"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValidPrefixLength(ReadOnlySpan<byte> bytes) => Utf8Sequence.ValidPrefixLength(bytes);

    /// <inheritdoc cref="Utf8Sequence.Classify"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Status Classify(ReadOnlySpan<byte> bytes, int index, out int length) =>
        (Status)Utf8Sequence.Classify(bytes, index, out length);

    /// <inheritdoc cref="Utf8Sequence.SequenceLength"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SequenceLength(byte lead) => Utf8Sequence.SequenceLength(lead);

    /// <inheritdoc cref="Utf8Sequence.IsValidContinuation"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidContinuation(byte lead, int position, byte value) => Utf8Sequence.IsValidContinuation(lead, position, value);
}
