using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Finds the points of a piece where no token of the vocabulary can cross, so that a long piece (a run of Chinese,
/// Japanese or Thai without spaces) can be merged as several short parts, each found whole in the vocabulary or the
/// per-thread piece cache, with exactly the ids the whole piece would get.
/// </summary>
/// <remarks>
/// <para><b>Why a cut is exact.</b> Every token that byte-pair merging creates has bytes that are a contiguous
/// substring of the piece. If no token of the vocabulary equals a substring that crosses position i (starts before i
/// and ends after it), no merge ever joins a token left of i with one right of it: the pair across i never has a rank.
/// Each step merges the lowest-ranked pair, the leftmost on ties; that pair lies on one side, and it is also the
/// lowest-ranked, leftmost pair of that side alone, while the other side does not change. So each side goes through
/// exactly the merges it would go through on its own, and the piece's ids are the left part's ids followed by the right
/// part's.</para>
/// <para><b>Why "no token crosses" is sound.</b> Cuts are only considered between two units: a unit is a byte that is
/// not a UTF-8 continuation byte (10xxxxxx) followed by the continuation bytes after it, and it is well formed when
/// its length is the one its first byte declares (1 for ASCII, 2, 3 or 4 for the lead bytes). Let A and B be the
/// well-formed units left and right of i, and suppose a token T equals the piece's bytes [a, b) with a &lt; i &lt; b.
/// At offset j = i - a, T holds a non-continuation byte. In T, the unit left of j (from T's last non-continuation byte
/// before j, or T's start) is A itself if a is at or before A's start, else a proper suffix of A that begins with a
/// continuation byte; the unit right of j (to T's next non-continuation byte, or T's end) is B if b is at or after B's
/// end, else a proper prefix of B, shorter than B's lead byte declares. The table is built from every internal
/// position j of every token at which T holds a non-continuation byte: when both of T's units there are well formed,
/// the pair of their bytes goes into a Bloom filter; otherwise the pair (T[j - 1], T[j]) goes into a bitmap of byte
/// pairs and the pair of T's units (each at most 4 bytes; a longer one is no suffix or prefix of a well-formed unit)
/// into a second Bloom filter. In the first case the units are A and B, and the first filter holds (A, B). In the
/// second, T[j - 1] and T[j] are A's last byte and B's first, so the bitmap holds them, and T's units are a suffix of
/// A and a prefix of B, not both whole, so the second filter holds one of the (suffix, prefix) pairs that
/// <see cref="MayCrossPartially"/> probes. So a position where the first filter answers no, and the bitmap or the
/// second filter answers no, is crossed by no token. The filters can answer yes wrongly (false positives, pairs
/// from other tokens); that only costs a cut, never exactness. A unit that is not well formed (bytes that are not
/// UTF-8) never borders a cut.</para>
/// </remarks>
[SkipLocalsInit]
internal sealed class PieceSplitter
{
    private const int FilterWordBits = 15;   // 2^21 bits, 256 KB: a larger one found 13 more of 8,485 cuts in the CJK/Thai long pieces
    private readonly ulong[] _unitPairs = new ulong[1 << FilterWordBits];
    private readonly ulong[] _bytePairs = new ulong[(1 << 16) / 64];
    private const int PartialWordBits = 14;   // 2^20 bits, 128 KB: up to 8 probes per cut candidate must stay rare false positives
    private readonly ulong[] _partialPairs = new ulong[1 << PartialWordBits];

    private PieceSplitter()
    {
    }

    /// <summary>Builds the tables (394 KB) from every ordinary token: 8-15 ms (see docs/performance.md).</summary>
    public static PieceSplitter Build(O200kVocabulary vocabulary)
    {
        var splitter = new PieceSplitter();
        for (int rank = 0; rank < O200kVocabulary.OrdinaryCount; rank++)
            splitter.AddCrossings(vocabulary.GetBytes(rank));
        return splitter;
    }

    private void AddCrossings(ReadOnlySpan<byte> token)
    {
        int leftStart = 0;
        for (int j = 1; j < token.Length; j++)
        {
            if (IsContinuation(token[j]))
                continue;
            int rightEnd = j + 1;
            while (rightEnd < token.Length && IsContinuation(token[rightEnd]))
                rightEnd++;
            ReadOnlySpan<byte> left = token[leftStart..j];
            ReadOnlySpan<byte> right = token[j..rightEnd];
            if (IsWellFormed(left) && IsWellFormed(right))
                AddUnitPair(UnitKey(left), UnitKey(right));
            else
            {
                _bytePairs[(token[j - 1] | (token[j] << 8)) >> 6] |= 1UL << (token[j - 1] | (token[j] << 8));
                if (left.Length <= 4 && right.Length <= 4)
                    AddPartialPair(UnitKey(left), UnitKey(right));
                // Longer units are not UTF-8 (a lead byte and 4+ continuation bytes): no well-formed A or B has them
                // as a suffix or prefix, so they can cross no cut.
            }
            leftStart = j;
        }
    }

    /// <summary>
    /// The end of the part that starts at <paramref name="start"/>: the first position after it where no token can
    /// cross, or the piece's end.
    /// </summary>
    public int NextPartEnd(ReadOnlySpan<byte> piece, int start)
    {
        int n = piece.Length;
        int leftEnd = UnitEnd(piece, start);
        bool leftWellFormed = leftEnd - start == DeclaredLength(piece[start]);
        uint leftKey = leftWellFormed ? UnitKey(piece[start..leftEnd]) : 0;
        while (leftEnd < n)
        {
            int rightStart = leftEnd;
            int rightEnd = UnitEnd(piece, rightStart);
            bool rightWellFormed = rightEnd - rightStart == DeclaredLength(piece[rightStart]);
            uint rightKey = rightWellFormed ? UnitKey(piece[rightStart..rightEnd]) : 0;
            if (leftWellFormed && rightWellFormed && !MayCross(piece[rightStart - 1], piece[rightStart], leftKey, rightKey))
                return rightStart;
            leftEnd = rightEnd;
            leftWellFormed = rightWellFormed;
            leftKey = rightKey;
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayCross(byte last, byte first, uint leftKey, uint rightKey)
    {
        ulong bits = Hash(leftKey, rightKey);
        ulong mask = FilterMask(bits);
        if ((Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_unitPairs), (nint)(bits >> (64 - FilterWordBits))) & mask) == mask)
            return true;
        int bytePair = last | (first << 8);
        return (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bytePairs), bytePair >> 6) & (1UL << bytePair)) != 0
            && MayCrossPartially(leftKey, rightKey);
    }

    /// <summary>
    /// Whether a token that starts inside A or ends inside B may cross: a proper suffix of A next to a prefix of B, or
    /// A next to a proper prefix of B, is in the filter of such pairs.
    /// </summary>
    private bool MayCrossPartially(uint leftKey, uint rightKey)
    {
        int leftLength = KeyLength(leftKey);
        int rightLength = KeyLength(rightKey);
        for (int suffix = 1; suffix <= leftLength; suffix++)
        {
            uint left = leftKey >> (8 * (leftLength - suffix));
            for (int prefix = 1; prefix <= rightLength; prefix++)
            {
                if (suffix == leftLength && prefix == rightLength)
                    continue;
                uint right = prefix == 4 ? rightKey : rightKey & ((1u << (8 * prefix)) - 1);
                ulong bits = PartialHash(left, right);
                ulong mask = FilterMask(bits);
                if ((_partialPairs[bits >> (64 - PartialWordBits)] & mask) == mask)
                    return true;
            }
        }
        return false;
    }

    private void AddPartialPair(uint leftKey, uint rightKey)
    {
        ulong bits = PartialHash(leftKey, rightKey);
        _partialPairs[bits >> (64 - PartialWordBits)] |= FilterMask(bits);
    }

    /// <summary>Bytes in a key: its bytes after the first are continuation bytes, never zero, so the highest non-zero byte ends it.</summary>
    private static int KeyLength(uint key) => key <= 0xFF ? 1 : key <= 0xFFFF ? 2 : key <= 0xFF_FFFF ? 3 : 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PartialHash(uint leftKey, uint rightKey) => (((ulong)leftKey << 32) | rightKey) * 0xBF58476D1CE4E5B9UL;

    private void AddUnitPair(uint leftKey, uint rightKey)
    {
        ulong bits = Hash(leftKey, rightKey);
        _unitPairs[bits >> (64 - FilterWordBits)] |= FilterMask(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(uint leftKey, uint rightKey) => (((ulong)leftKey << 32) | rightKey) * 0x9E3779B97F4A7C15UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FilterMask(ulong bits) => (1UL << (int)bits) | (1UL << (int)(bits >> 6));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsContinuation(byte value) => (value & 0xC0) == 0x80;

    /// <summary>The unit length the first byte declares; 0 for a continuation byte or a byte no UTF-8 sequence starts with.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DeclaredLength(byte first) => first switch
    {
        < 0x80 => 1,
        < 0xC0 => 0,
        < 0xE0 => 2,
        < 0xF0 => 3,
        < 0xF8 => 4,
        _ => 0,
    };

    private static bool IsWellFormed(ReadOnlySpan<byte> unit) => unit.Length == DeclaredLength(unit[0]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UnitEnd(ReadOnlySpan<byte> piece, int start)
    {
        int end = start + 1;
        while (end < piece.Length && IsContinuation(piece[end]))
            end++;
        return end;
    }

    /// <summary>The unit's bytes (1-4, well formed, so the first byte fixes the length) as one number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint UnitKey(ReadOnlySpan<byte> unit)
    {
        Debug.Assert(unit.Length is >= 1 and <= 4, "well-formed units are 1-4 bytes");
        uint key = 0;
        for (int i = 0; i < unit.Length; i++)
            key |= (uint)unit[i] << (8 * i);
        return key;
    }
}
