using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Compression;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// The o200k_harmony vocabulary: the bytes of every id (ordinary ranks from o200k_base, special tokens as their
/// literal text) and an open-addressing hash table from byte sequence to rank for the ordinary tokens.
/// </summary>
internal sealed class O200kVocabulary
{
    public const int OrdinaryCount = HarmonyTokens.FirstSpecial;
    public const int NotFound = int.MaxValue;

    private const string DataAssemblyName = "Microsoft.ML.Tokenizers.Data.O200kBase";
    private const string DataResourceName = "o200k_base.tiktoken.deflate";
    private const int TableBits = 18;   // 4 MB at a load of 0.76: the Bloom filter answers most misses, hits probe adjacent slots
    private const int FilterWordBits = 15;   // 2^21 bits, 256 KB: L2-sized, ~3 % false positives over ~200 K tokens

    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly Entry[] _table;
    private readonly int _mask;
    private readonly int[] _pairRanks;   // rank of every 2-byte token, indexed by first | second << 8
    private readonly int[] _byteRanks;   // rank of every 1-byte token
    private readonly ulong[] _shortTable; // 3- and 4-byte tokens: (bytes | length << 32 | rank << 40), 0 = empty; small enough for L2
    private readonly int _shortMask;
    private readonly int _shortShift;
    private readonly ulong[] _filter;     // a two-bit Bloom filter of every token of 3+ bytes: most merge candidates are not tokens

    /// <summary>One slot: the first 8 bytes of the token (zero padded), its length (0 = empty slot) and its rank.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public ulong Prefix;
        public int Length;
        public int Rank;
    }

    private O200kVocabulary(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
        _table = new Entry[1 << TableBits];
        _mask = (1 << TableBits) - 1;
        int longest = 0;
        for (int rank = 0; rank < OrdinaryCount; rank++)
        {
            ReadOnlySpan<byte> token = GetBytes(rank);
            longest = Math.Max(longest, token.Length);
            ulong prefix = ReadPrefix(token);
            int slot = (int)(Hash(token, prefix) & (uint)_mask);
            while (_table[slot].Length != 0)
            {
                if (_table[slot].Length == token.Length && GetBytes(_table[slot].Rank).SequenceEqual(token))
                    TokenizerThrowHelper.ThrowData($"o200k_base data: ranks {_table[slot].Rank} and {rank} have the same bytes");
                slot = (slot + 1) & _mask;
            }
            _table[slot] = new Entry { Prefix = prefix, Length = token.Length, Rank = rank };
        }
        for (int id = OrdinaryCount; id < HarmonyTokens.VocabularySize; id++)
            longest = Math.Max(longest, GetBytes(id).Length);
        MaxTokenByteLength = longest;

        _byteRanks = new int[256];
        _byteRanks.AsSpan().Fill(NotFound);
        int shortCount = 0;
        for (int rank = 0; rank < OrdinaryCount; rank++)
        {
            ReadOnlySpan<byte> token = GetBytes(rank);
            if (token.Length == 1)
                _byteRanks[token[0]] = rank;
            else if (token.Length is 3 or 4)
                shortCount++;
        }
        for (int b = 0; b < 256; b++)
        {
            if (_byteRanks[b] == NotFound)
                TokenizerThrowHelper.ThrowData($"o200k_base data: byte {b} has no token");
        }
        int shortSlots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1024, shortCount * 3));
        _shortTable = new ulong[shortSlots];
        _shortMask = shortSlots - 1;
        _shortShift = 32 - BitOperations.Log2((uint)shortSlots);
        for (int rank = 0; rank < OrdinaryCount; rank++)
        {
            ReadOnlySpan<byte> token = GetBytes(rank);
            if (token.Length is not (3 or 4))
                continue;
            uint key = ShortKey(token);
            int slot = ShortSlot(key, token.Length);
            while (_shortTable[slot] != 0)
                slot = (slot + 1) & _shortMask;
            _shortTable[slot] = key | ((ulong)token.Length << 32) | ((ulong)rank << 40);
        }

        _filter = new ulong[1 << FilterWordBits];
        for (int rank = 0; rank < OrdinaryCount; rank++)
        {
            ReadOnlySpan<byte> token = GetBytes(rank);
            if (token.Length < 3)
                continue;
            ulong bits = token.Length <= 4 ? ShortFilterHash(ShortKey(token), token.Length) : LongFilterHash(Hash(token, ReadPrefix(token)));
            _filter[bits >> (64 - FilterWordBits)] |= FilterMask(bits);
        }

        _pairRanks = new int[1 << 16];
        _pairRanks.AsSpan().Fill(NotFound);
        for (int rank = 0; rank < OrdinaryCount; rank++)
        {
            ReadOnlySpan<byte> token = GetBytes(rank);
            if (token.Length == 2)
                _pairRanks[token[0] | (token[1] << 8)] = rank;
        }
    }

    private readonly Lock _longPieceEncoderLock = new();
    private BacktrackingEncoder? _longPieceEncoder;

    /// <summary>The encoder for long pieces; its tables are built on first use (see docs/performance.md).</summary>
    public BacktrackingEncoder LongPieceEncoder =>
        Volatile.Read(ref _longPieceEncoder) ?? BuildLongPieceEncoder();

    /// <summary>True once <see cref="LongPieceEncoder"/> has built its tables (for tests of when that happens).</summary>
    public bool HasLongPieceEncoder => Volatile.Read(ref _longPieceEncoder) is not null;

    private BacktrackingEncoder BuildLongPieceEncoder()
    {
        lock (_longPieceEncoderLock)
        {
            BacktrackingEncoder encoder = _longPieceEncoder ?? BacktrackingEncoder.Build(this);
            Volatile.Write(ref _longPieceEncoder, encoder);
            return encoder;
        }
    }

    private PieceSplitter? _pieceSplitter;

    /// <summary>The cut finder (see <see cref="BytePairMerger.Merge"/>); its 587 KB of tables are built on first use.</summary>
    public PieceSplitter PieceSplitter =>
        Volatile.Read(ref _pieceSplitter) ?? BuildPieceSplitter();

    private PieceSplitter BuildPieceSplitter()
    {
        lock (_longPieceEncoderLock)
        {
            PieceSplitter splitter = _pieceSplitter ?? PieceSplitter.Build(this);
            Volatile.Write(ref _pieceSplitter, splitter);
            return splitter;
        }
    }

    /// <summary>Length in bytes of the longest token (ordinary or special).</summary>
    public int MaxTokenByteLength { get; }

    /// <summary>Bytes of any id in [0, VocabularySize); the caller has checked the range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetBytes(int id)
    {
        Debug.Assert((uint)id < (uint)(_offsets.Length - 1), "callers check the id against the vocabulary size");
        Debug.Assert(_offsets[id] <= _offsets[id + 1] && _offsets[id + 1] <= _bytes.Length, "offsets ascend within the blob");
        ref int offset = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_offsets), id);
        return MemoryMarshal.CreateReadOnlySpan(
            ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bytes), offset), Unsafe.Add(ref offset, 1) - offset);
    }

    /// <summary>Length in bytes of any id in [0, VocabularySize); the caller has checked the range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetLength(int id)
    {
        Debug.Assert((uint)id < (uint)(_offsets.Length - 1), "callers check the id against the vocabulary size");
        ref int offset = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_offsets), id);
        return Unsafe.Add(ref offset, 1) - offset;
    }

    /// <summary>The rank of an ordinary token with exactly these bytes, or <see cref="NotFound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetRank(ReadOnlySpan<byte> token)
    {
        switch (token.Length)
        {
            case 1:
                return _byteRanks[token[0]];
            case 2:
                return GetPairRank(token[0], token[1]);
            case 3:
            case 4:
                return GetShortRank(token);
            default:
                return GetLongRank(token);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ShortKey(ReadOnlySpan<byte> token)
    {
        Debug.Assert(token.Length is 3 or 4, "only 3- and 4-byte tokens have a short key");
        return token.Length == 4 ? Unsafe.ReadUnaligned<uint>(ref MemoryMarshal.GetReference(token))
                                 : (uint)(token[0] | (token[1] << 8) | (token[2] << 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShortSlot(uint key, int length) => (int)(((key ^ ((uint)length << 29)) * 0x9E3779B1u) >> _shortShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShortFilterHash(uint key, int length) => (key ^ ((ulong)length << 32)) * 0x9E3779B97F4A7C15UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LongFilterHash(uint hash) => hash * 0xBF58476D1CE4E5B9UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FilterMask(ulong bits) => (1UL << (int)bits) | (1UL << (int)(bits >> 6));

    /// <summary>False when no token of 3+ bytes has these filter bits: the token is certainly absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayContain(ulong bits)
    {
        Debug.Assert(_filter.Length == 1 << FilterWordBits, "the shift keeps FilterWordBits bits");
        ulong mask = FilterMask(bits);
        return (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_filter), (nint)(bits >> (64 - FilterWordBits))) & mask) == mask;
    }

    private int GetShortRank(ReadOnlySpan<byte> token)
    {
        uint key = ShortKey(token);
        if (!MayContain(ShortFilterHash(key, token.Length)))
            return NotFound;
        ulong expected = key | ((ulong)token.Length << 32);
        int slot = ShortSlot(key, token.Length);
        ref ulong table = ref MemoryMarshal.GetArrayDataReference(_shortTable);
        while (true)
        {
            Debug.Assert((uint)slot < (uint)_shortTable.Length, "the shift and the mask keep slots in the table");
            ulong entry = Unsafe.Add(ref table, slot);
            if (entry == 0)
                return NotFound;
            if ((entry & 0xFF_FFFF_FFFFUL) == expected)
                return (int)(entry >> 40);
            slot = (slot + 1) & _shortMask;
        }
    }

    private int GetLongRank(ReadOnlySpan<byte> token)
    {
        ulong prefix = ReadPrefix(token);
        uint hash = Hash(token, prefix);
        if (!MayContain(LongFilterHash(hash)))
            return NotFound;
        int slot = (int)(hash & (uint)_mask);
        ref Entry table = ref MemoryMarshal.GetArrayDataReference(_table);
        while (true)
        {
            Debug.Assert((uint)slot < (uint)_table.Length, "the mask keeps slots in the table");
            ref Entry entry = ref Unsafe.Add(ref table, slot);
            if (entry.Length == 0)
                return NotFound;
            if (entry.Prefix == prefix && entry.Length == token.Length &&
                (token.Length <= 8 || token[8..].SequenceEqual(GetBytes(entry.Rank)[8..])))
                return entry.Rank;
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>The rank of the 1-byte token <paramref name="value"/> (every byte has one, checked at load).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetByteRank(byte value)
    {
        Debug.Assert(_byteRanks.Length == 256, "one rank per byte value");
        return Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_byteRanks), value);
    }

    /// <summary>The rank of the 2-byte token <paramref name="first"/>, <paramref name="second"/>, or <see cref="NotFound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int GetPairRank(byte first, byte second)
    {
        Debug.Assert(_pairRanks.Length == 1 << 16, "two bytes index the table directly");
        return Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_pairRanks), first | (second << 8));
    }

    /// <summary>Hash of a byte sequence (the table's own), reused by the per-thread piece cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint HashBytes(ReadOnlySpan<byte> bytes) => Hash(bytes, ReadPrefix(bytes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadPrefix(ReadOnlySpan<byte> token)
    {
        ref byte start = ref MemoryMarshal.GetReference(token);
        int length = token.Length;
        if (length >= 8)
            return Unsafe.ReadUnaligned<ulong>(ref start);
        if (length >= 4)
        {
            // Two overlapping 4-byte reads, shifted so the padding stays zero: exact for 4..7 bytes.
            ulong low = Unsafe.ReadUnaligned<uint>(ref start);
            ulong high = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
            return low | (high << ((length - 4) * 8));
        }
        ulong value = 0;
        for (int i = 0; i < length; i++)
            value |= (ulong)Unsafe.Add(ref start, i) << (i * 8);
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> token, ulong prefix)
    {
        ulong h = (prefix ^ (ulong)token.Length) * 0x9E3779B97F4A7C15UL;
        if (token.Length > 8)
        {
            ref byte start = ref MemoryMarshal.GetReference(token);
            int i = 8;
            for (; i + 8 <= token.Length; i += 8)
                h = BitOperations.RotateLeft(h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)), 29) * 0xBF58476D1CE4E5B9UL;
            if (i < token.Length)
                h = BitOperations.RotateLeft(h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, token.Length - 8)), 29) * 0xBF58476D1CE4E5B9UL;
        }
        h = (h ^ (h >> 32)) * 0x94D049BB133111EBUL;
        return (uint)(h >> 32);
    }

    /// <summary>Reads o200k_base from the Microsoft.ML.Tokenizers.Data.O200kBase assembly and appends the special tokens.</summary>
    public static O200kVocabulary Load()
    {
        // The inflated text (3.6 MB) is parsed as it streams, never held whole: the process keeps the peak, not the average.
        var offsets = new int[HarmonyTokens.VocabularySize + 1];
        var state = new LoadState { Bytes = new byte[ExpectedTokenBytes] };
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var assembly = Assembly.Load(new AssemblyName(DataAssemblyName));
            using Stream compressed = assembly.GetManifestResourceStream(DataResourceName)
                ?? throw new TokenizerDataException($"{DataAssemblyName} has no resource {DataResourceName}");
            using var inflater = new DeflateStream(compressed, CompressionMode.Decompress);
            int held = 0;
            while (true)
            {
                int read = inflater.Read(buffer, held, buffer.Length - held);
                ReadOnlySpan<byte> rest = buffer.AsSpan(0, held + read);
                int newLine;
                while ((newLine = rest.IndexOf((byte)'\n')) >= 0)
                {
                    ParseLine(rest[..newLine], ref state, offsets);
                    rest = rest[(newLine + 1)..];
                }
                if (read == 0)
                {
                    if (!rest.IsEmpty)
                        ParseLine(rest, ref state, offsets);
                    break;
                }
                rest.CopyTo(buffer);
                held = rest.Length;
                if (held == buffer.Length)
                    TokenizerThrowHelper.ThrowData($"o200k_base data line {state.Line + 1}: longer than {buffer.Length} bytes");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or BadImageFormatException or FileLoadException)
        {
            throw new TokenizerDataException($"cannot load the o200k_base ranks from {DataAssemblyName}: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (state.Rank != OrdinaryCount)
            TokenizerThrowHelper.ThrowData($"o200k_base data holds {state.Rank} ranks, expected {OrdinaryCount}");

        int written = state.Written;
        int specialBytes = 0;
        for (int id = OrdinaryCount; id < HarmonyTokens.VocabularySize; id++)
            specialBytes += SpecialTokenTable.GetLiteral(id).Length;
        byte[] all = state.Bytes;
        if (written + specialBytes > all.Length)
            Array.Resize(ref all, written + specialBytes);
        for (int id = OrdinaryCount; id < HarmonyTokens.VocabularySize; id++)
        {
            offsets[id] = written;
            written += Encoding.ASCII.GetBytes(SpecialTokenTable.GetLiteral(id), all.AsSpan(written));
        }
        offsets[HarmonyTokens.VocabularySize] = written;
        return new O200kVocabulary(all, offsets);
    }

    /// <summary>Token bytes of o200k_base (1,397,670) plus the special literals (~32 KB), so one array holds them all.</summary>
    private const int ExpectedTokenBytes = 1_440_000;

    private struct LoadState
    {
        public byte[] Bytes;
        public int Written;
        public int Rank;
        public int Line;
    }

    private static void ParseLine(ReadOnlySpan<byte> current, ref LoadState state, int[] offsets)
    {
        state.Line++;
        current = current.TrimEnd((byte)'\r');
        if (current.IsEmpty)
            return;
        if (state.Line == 1 && current.StartsWith("Capacity:"u8))
            return;           // Microsoft.ML.Tokenizers' compact form: a capacity header, then one base64 token per line, in rank order
        int space = current.IndexOf((byte)' ');
        ReadOnlySpan<byte> base64 = space < 0 ? current : current[..space];
        if (state.Rank >= OrdinaryCount || base64.IsEmpty ||
            (space >= 0 && (!Utf8Parser.TryParse(current[(space + 1)..], out int lineRank, out int rankLength) || rankLength != current.Length - space - 1 || lineRank != state.Rank)))
            TokenizerThrowHelper.ThrowData($"o200k_base data line {state.Line}: expected the token of rank {state.Rank}");
        if (state.Written + base64.Length > state.Bytes.Length)
            Array.Resize(ref state.Bytes, Math.Max(state.Bytes.Length * 2, state.Written + base64.Length));
        if (Base64.DecodeFromUtf8(base64, state.Bytes.AsSpan(state.Written), out _, out int decoded) != OperationStatus.Done || decoded == 0)
            TokenizerThrowHelper.ThrowData($"o200k_base data line {state.Line}: invalid base64");
        offsets[state.Rank] = state.Written;
        state.Written += decoded;
        state.Rank++;
    }
}
