using System.Diagnostics;
using System.Numerics;
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
/// end, else a proper prefix of B, shorter than B's lead byte declares. The tables are built from every internal
/// position j of every token at which T holds a non-continuation byte.</para>
/// <para>When both of T's units at j are well formed, they are A and B, and T covers all of A and B. Then either T is
/// exactly AB, or T starts before A and holds the bytes of the unit Z before A that follow T's start (all of Z, or a
/// proper suffix of Z, which starts with a continuation byte and so is not well formed), or T ends after B and holds
/// the bytes of the unit C after B up to T's end or T's next non-continuation byte (all of C, or a proper prefix of it,
/// shorter than its lead byte declares, so again not well formed). For each such j the table keeps, under the pair
/// (A, B): that the pair occurs, whether T is AB, and T's unit before A and after B when they are well formed (then they
/// are Z and C themselves) or else only their byte next to the pair (Z's last byte, C's first). So a position is
/// crossed by no such token when the pair is absent, or when it is present but neither "AB is a token", nor (Z, A, B)
/// with Z whole, nor (Z's last byte, A, B), nor the same two after B, are keys. A Z or C that is not well formed
/// (bytes that are not UTF-8) blocks the cut.</para>
/// <para>Otherwise the pair (T[j - 1], T[j]) goes into a bitmap of byte pairs and the pair of T's units (each at most 4
/// bytes; a longer one is no suffix or prefix of a well-formed unit) into a second table. T[j - 1] and T[j] are A's
/// last byte and B's first, so the bitmap holds them, and T's units are a suffix of A and a prefix of B, not both whole,
/// so the second table holds one of the (suffix, prefix) pairs that <see cref="MayCrossPartially"/> probes (it probes
/// only the lengths that some key of the byte pair's block has).</para>
/// <para>The tables are Bloom filters cut into 64-byte blocks: every key about a unit pair lies in the block its hash
/// picks, so testing one position touches one cache line. They can answer yes wrongly (false positives); that only
/// costs a cut, never exactness. A unit that is not well formed never borders a cut.</para>
/// </remarks>
[SkipLocalsInit]
internal sealed class PieceSplitter
{
    // Keys about a unit pair (A, B) inside tokens, all in the 64-byte block that the pair's hash picks, so one test of
    // a cut point touches one cache line: that A and B are neighbours in some token, and what surrounds them there:
    // nothing (the token is AB), or the unit before A or after B, whole (its key follows the tag) or only a fragment of
    // it (its byte next to the pair follows the tag).
    private const ulong PairInToken = 0;
    private const ulong WholeToken = 1;
    private const ulong UnitBefore = 2;
    private const ulong FragmentBefore = 3;
    private const ulong UnitAfter = 4;
    private const ulong FragmentAfter = 5;

    private const int BlockBits = 13;          // 8,192 blocks of 512 bits, 512 KB, for ~25 K pairs and ~150 K contexts
    private const int PartialBlockBits = 10;   // 1,024 blocks, 64 KB, for 619 (suffix, prefix) pairs behind 166 byte pairs
    private readonly ulong[] _pairBlocks = new ulong[(1 << BlockBits) * 8];
    private readonly ulong[] _bytePairs = new ulong[(1 << 16) / 64];
    private readonly ulong[] _partialBlocks = new ulong[(1 << PartialBlockBits) * 8];
    private readonly ulong[] _fragmentBlocks = new ulong[(1 << BlockBits) / 64];     // blocks with a fragment key: few
    private readonly ushort[] _partialLengths = new ushort[1 << PartialBlockBits];   // (suffix, prefix) lengths a block holds

    private PieceSplitter()
    {
    }

    /// <summary>Builds the tables (587 KB) from every ordinary token (see docs/performance.md).</summary>
    /// <remarks>Compiled optimized at once: it runs once, on first use, and unoptimized it took ten times as long.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PieceSplitter Build(O200kVocabulary vocabulary)
    {
        var splitter = new PieceSplitter();
        for (int rank = 0; rank < O200kVocabulary.OrdinaryCount; rank++)
            splitter.AddCrossings(vocabulary.GetBytes(rank));
        return splitter;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddCrossings(ReadOnlySpan<byte> token)
    {
        int leftStart = 0;
        for (int j = 1; j < token.Length; j++)
        {
            if (IsContinuation(token[j]))
                continue;
            int rightEnd = UnitEnd(token, j);
            ReadOnlySpan<byte> left = token[leftStart..j];
            ReadOnlySpan<byte> right = token[j..rightEnd];
            if (IsWellFormed(left) && IsWellFormed(right))
            {
                ulong pairHash = Hash(UnitKey(left), UnitKey(right));
                AddKey(_pairBlocks, BlockBits, pairHash, PairInToken);
                if (leftStart == 0 && rightEnd == token.Length)
                    AddKey(_pairBlocks, BlockBits, pairHash, WholeToken);
                if (leftStart > 0)
                {
                    ReadOnlySpan<byte> before = token[UnitStart(token, leftStart - 1)..leftStart];
                    if (IsWellFormed(before))
                        AddKey(_pairBlocks, BlockBits, pairHash, UnitBefore | ((ulong)UnitKey(before) << 8));
                    else
                        AddFragmentKey(pairHash, FragmentBefore | ((ulong)before[^1] << 8));
                }
                if (rightEnd < token.Length)
                {
                    ReadOnlySpan<byte> after = token[rightEnd..UnitEnd(token, rightEnd)];
                    if (IsWellFormed(after))
                        AddKey(_pairBlocks, BlockBits, pairHash, UnitAfter | ((ulong)UnitKey(after) << 8));
                    else
                        AddFragmentKey(pairHash, FragmentAfter | ((ulong)after[0] << 8));
                }
            }
            else
            {
                int bytePair = token[j - 1] | (token[j] << 8);
                _bytePairs[bytePair >> 6] |= 1UL << bytePair;
                if (left.Length <= 4 && right.Length <= 4)
                {
                    ulong blockHash = BytePairHash(bytePair);
                    AddKey(_partialBlocks, PartialBlockBits, blockHash, PartialKey(UnitKey(left), UnitKey(right)));
                    _partialLengths[blockHash >> (64 - PartialBlockBits)] |= (ushort)(1 << LengthsBit(left.Length, right.Length));
                }
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
    public int NextPartEnd(ReadOnlySpan<byte> piece, int start) => new PartCursor(this, piece, start).NextEnd();

    /// <summary>A unit's key when it is not well formed (no well-formed unit starts with the byte FF).</summary>
    internal const uint NotWellFormed = uint.MaxValue;

    /// <summary>
    /// Whether a token may cross between the units A = [aStart, bStart) and B = [bStart, ...) given their keys and
    /// those of the units Z before A (zStart -1: none) and C = [cStart, ...) after B (cStart = piece.Length: none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool MayCross(ReadOnlySpan<byte> piece, int zStart, uint zKey, int aStart, uint aKey, int bStart, uint bKey, int cStart, uint cKey)
    {
        if (aKey == NotWellFormed || bKey == NotWellFormed)
            return true;
        ulong pairHash = Hash(aKey, bKey);
        ref ulong block = ref Block(_pairBlocks, BlockBits, pairHash);
        if (HasKey(ref block, pairHash, PairInToken) && MayCrossWhole(piece, ref block, pairHash, zStart, zKey, aStart, cStart, cKey))
            return true;
        int bytePair = piece[bStart - 1] | (piece[bStart] << 8);
        return (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bytePairs), bytePair >> 6) & (1UL << bytePair)) != 0
            && MayCrossPartially(bytePair, aKey, bKey);
    }

    private void AddFragmentKey(ulong pairHash, ulong key)
    {
        AddKey(_pairBlocks, BlockBits, pairHash, key);
        int block = (int)(pairHash >> (64 - BlockBits));
        _fragmentBlocks[block >> 6] |= 1UL << block;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LengthsBit(int suffixLength, int prefixLength) => ((suffixLength - 1) * 4) + prefixLength - 1;

    /// <summary>
    /// Whether a token whose units next to the cut are A and B whole may cross it: the token is AB, or it reaches into
    /// the unit Z before A (all of Z, or a suffix of it) or into the unit C after B (all of C, or a prefix of it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayCrossWhole(ReadOnlySpan<byte> piece, ref ulong block, ulong pairHash, int zStart, uint zKey, int aStart, int cStart, uint cKey)
    {
        if (HasKey(ref block, pairHash, WholeToken))
            return true;
        int blockIndex = (int)(pairHash >> (64 - BlockBits));
        bool fragments = (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_fragmentBlocks), blockIndex >> 6) & (1UL << blockIndex)) != 0;
        if (zStart >= 0 &&
            (zKey == NotWellFormed ||
             HasKey(ref block, pairHash, UnitBefore | ((ulong)zKey << 8)) ||
             (fragments && HasKey(ref block, pairHash, FragmentBefore | ((ulong)piece[aStart - 1] << 8)))))
            return true;
        return cStart < piece.Length &&
            (cKey == NotWellFormed ||
             HasKey(ref block, pairHash, UnitAfter | ((ulong)cKey << 8)) ||
             (fragments && HasKey(ref block, pairHash, FragmentAfter | ((ulong)piece[cStart] << 8))));
    }

    /// <summary>
    /// Whether a token that starts inside A or ends inside B may cross: a proper suffix of A next to a prefix of B, or
    /// A next to a proper prefix of B, is a key of the block of their byte pair.
    /// </summary>
    private bool MayCrossPartially(int bytePair, uint leftKey, uint rightKey)
    {
        ulong blockHash = BytePairHash(bytePair);
        int lengths = _partialLengths[blockHash >> (64 - PartialBlockBits)];
        if (lengths == 0)
            return false;
        ref ulong block = ref Block(_partialBlocks, PartialBlockBits, blockHash);
        int leftLength = KeyLength(leftKey);
        int rightLength = KeyLength(rightKey);
        for (int suffix = 1; suffix <= leftLength; suffix++)
        {
            uint left = leftKey >> (8 * (leftLength - suffix));
            for (int prefix = 1; prefix <= rightLength; prefix++)
            {
                if ((suffix == leftLength && prefix == rightLength) || (lengths & (1 << LengthsBit(suffix, prefix))) == 0)
                    continue;
                uint right = prefix == 4 ? rightKey : rightKey & ((1u << (8 * prefix)) - 1);
                if (HasKey(ref block, blockHash, PartialKey(left, right)))
                    return true;
            }
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PartialKey(uint leftKey, uint rightKey) => ((ulong)leftKey << 32) | rightKey;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BytePairHash(int bytePair) => (ulong)(bytePair + 1) * 0x9E3779B97F4A7C15UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref ulong Block(ulong[] blocks, int blockBits, ulong blockHash) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(blocks), (nint)((blockHash >> (64 - blockBits)) * 8));

    /// <summary>Two bits of the block's 512 for a key; a key is present when both are set (false positives only cost a cut).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasKey(ref ulong block, ulong blockHash, ulong key)
    {
        ulong bits = KeyHash(blockHash, key);
        int first = (int)bits & 511;
        int second = (int)(bits >> 9) & 511;
        return ((Unsafe.Add(ref block, first >> 6) >> first) & (Unsafe.Add(ref block, second >> 6) >> second) & 1) != 0;
    }

    private static void AddKey(ulong[] blocks, int blockBits, ulong blockHash, ulong key)
    {
        ref ulong block = ref Block(blocks, blockBits, blockHash);
        ulong bits = KeyHash(blockHash, key);
        int first = (int)bits & 511;
        int second = (int)(bits >> 9) & 511;
        Unsafe.Add(ref block, first >> 6) |= 1UL << first;
        Unsafe.Add(ref block, second >> 6) |= 1UL << second;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong KeyHash(ulong blockHash, ulong key) =>
        ((blockHash ^ (key * 0xD6E8FEB86659FD93UL)) * 0xBF58476D1CE4E5B9UL) >> 40;

    /// <summary>Bytes in a key: its bytes after the first are continuation bytes, never zero, so the highest non-zero byte ends it.</summary>
    private static int KeyLength(uint key) => key <= 0xFF ? 1 : key <= 0xFFFF ? 2 : key <= 0xFF_FFFF ? 3 : 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(uint leftKey, uint rightKey) => (((ulong)leftKey << 32) | rightKey) * 0x9E3779B97F4A7C15UL;

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

    /// <summary>
    /// The unit that starts at <paramref name="start"/> (a byte that is not a continuation byte, or the piece's start,
    /// then the continuation bytes after it): returns its end; <paramref name="key"/> is its bytes as one number when
    /// it is well formed, else <see cref="NotWellFormed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int DecodeUnit(ReadOnlySpan<byte> piece, int start, out uint key)
    {
        ref byte first = ref Unsafe.Add(ref MemoryMarshal.GetReference(piece), start);
        int n = piece.Length;
        int end = start + 1;
        if (first < 0x80 && (end == n || !IsContinuation(Unsafe.Add(ref first, 1))))
        {
            key = first;
            return end;
        }
        while (end < n && IsContinuation(piece[end]))
            end++;
        int length = end - start;
        if (length != DeclaredLength(first))
            key = NotWellFormed;
        else if (start + 4 <= n)
            key = Unsafe.ReadUnaligned<uint>(ref first) & (uint.MaxValue >> (8 * (4 - length)));
        else
            key = UnitKey(piece[start..end]);
        return end;
    }

    /// <summary>The start of the unit that holds <paramref name="position"/>: its last byte that is no continuation byte, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UnitStart(ReadOnlySpan<byte> piece, int position)
    {
        while (position > 0 && IsContinuation(piece[position]))
            position--;
        return position;
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
