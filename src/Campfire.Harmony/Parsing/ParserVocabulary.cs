using System.Runtime.CompilerServices;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// The bytes of every token id in one contiguous blob, with a per-token flag saying whether those bytes are complete
/// UTF-8 on their own. The parser's hot path is one array load per token: no dictionary, no decoding, no copying.
/// </summary>
internal sealed class ParserVocabulary
{
    private const ulong CompleteUtf8Flag = 1UL << 48;
    private const ulong ValidFlag = 1UL << 49;

    private readonly byte[] _blob;
    private readonly ulong[] _entries;

    private static ParserVocabulary? s_instance;

    private ParserVocabulary(byte[] blob, ulong[] entries)
    {
        _blob = blob;
        _entries = entries;
    }

    public static ParserVocabulary Instance
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_instance ?? CreateInstance();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ParserVocabulary CreateInstance()
    {
        var built = Build(O200kHarmonyTokenizer.Instance);
        return Interlocked.CompareExchange(ref s_instance, built, null) ?? built;
    }

    private static ParserVocabulary Build(O200kHarmonyTokenizer tokenizer)
    {
        var entries = new ulong[HarmonyTokens.VocabularySize];
        var blob = new List<byte>(2_000_000);
        for (int id = 0; id < entries.Length; id++)
        {
            if (!tokenizer.IsValidId(id))
                continue;
            ReadOnlySpan<byte> bytes = tokenizer.GetTokenBytes(id);
            ulong entry = (uint)blob.Count | ((ulong)(ushort)bytes.Length << 32) | ValidFlag;
            if (Utf8Sequence.IsComplete(bytes))
                entry |= CompleteUtf8Flag;
            entries[id] = entry;
            blob.AddRange(bytes);
        }
        return new ParserVocabulary(blob.ToArray(), entries);
    }

    public byte[] Blob => _blob;

    internal ulong[] Entries => _entries;

    /// <summary>The packed entry of <paramref name="id"/>, or 0 for an id outside the vocabulary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Entry(int id) => (uint)id < (uint)_entries.Length ? _entries[id] : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ulong entry) => (entry & ValidFlag) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsCompleteUtf8(ulong entry) => (entry & CompleteUtf8Flag) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Offset(ulong entry) => (int)(uint)entry;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Length(ulong entry) => (int)((entry >> 32) & 0xFFFF);

    public ReadOnlySpan<byte> Bytes(ulong entry) => _blob.AsSpan(Offset(entry), Length(entry));

    public ReadOnlySpan<byte> Bytes(int id) => Bytes(Entry(id));
}
