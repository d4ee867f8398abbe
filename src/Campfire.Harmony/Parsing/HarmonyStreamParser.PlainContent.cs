using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Parsing;

// A run of plain content tokens in one loop, for callers that feed tokens in chunks (the C ABI's per-chunk export):
// the per-token work of Read without its per-call checks, its event dispatch and the ContentDelta switch.
public partial struct HarmonyStreamParser
{
    /// <summary>
    /// Reads the plain content tokens at the start of <paramref name="tokens"/> and hands each one's delta to
    /// <paramref name="sink"/>, in order; returns how many it read (0 when the first token is not plain or the parser
    /// is not inside a message body with nothing pending). A plain token is an ordinary token whose bytes are complete
    /// UTF-8 and fit the message limit: <see cref="Read(int)"/> would report it as exactly one
    /// <see cref="HarmonyParserEventKind.ContentDelta"/> of those bytes and nothing else. Afterwards the parser is
    /// exactly as if the tokens read had gone through <see cref="Read(int)"/> one by one (<see cref="ContentDelta"/>
    /// is the last one's), so the caller continues with <see cref="Read(int)"/> at the first token not read: it either
    /// is not plain or was refused by the sink. The sink is copied into the loop and back when it ends.
    /// </summary>
    public int ReadPlainContent<TSink>(ReadOnlySpan<int> tokens, ref TSink sink)
        where TSink : IHarmonyContentSink, allows ref struct
    {
        if (_pending != Pending.None || _state != HarmonyParseState.Content || (_utf8PendingLength | (_poisoned ? 1 : 0)) != 0)
            return 0;
        ulong[] entries = ParserTables.Entries;
        // Every entry's offset and length lie inside the blob (ParserVocabulary builds both together), so the slice
        // needs no bounds check of its own.
        ref byte blob = ref MemoryMarshal.GetArrayDataReference(ParserTables.Blob);
        int budget = MaxMessageBytes - _contentBytes;
        // A local copy, so that the compiler can keep the sink's fields in registers across the loop.
        TSink local = sink;
        int read = 0;
        int token = tokens.Length != 0 ? tokens[0] : FirstSpecialId;
        ulong entry = (uint)token < FirstSpecialId ? entries[token] : 0;
        while ((uint)token < FirstSpecialId)
        {
            int length = ParserVocabulary.Length(entry);
            if (!ParserVocabulary.IsCompleteUtf8(entry) || length > budget)
                break;
            // The next token's entry is looked up before this delta is handed over, so that its table load is in
            // flight while the processor still resolves the sink's branches on this one's length.
            int next = read + 1 < tokens.Length ? tokens[read + 1] : FirstSpecialId;
            ulong nextEntry = (uint)next < FirstSpecialId ? entries[next] : 0;
            if (!local.TryTake(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref blob, ParserVocabulary.Offset(entry)), length)))
                break;
            budget -= length;
            read++;
            token = next;
            entry = nextEntry;
        }
        sink = local;
        if (read != 0)
        {
            ulong last = entries[tokens[read - 1]];
            _contentBytes = MaxMessageBytes - budget;
            _deltaSource = DeltaSource.Vocabulary;
            _deltaStart = ParserVocabulary.Offset(last);
            _deltaLength = ParserVocabulary.Length(last);
            _index += read;
        }
        return read;
    }
}
