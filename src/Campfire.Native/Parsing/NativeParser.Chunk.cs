using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native.Parsing;

/// <summary>
/// The per-chunk path behind campfire_parser_feed_span_events and campfire_parser_feed_next: tokens are fed in one
/// loop and their events written straight into the caller's arrays. Only an event that does not fit goes through the
/// queue, and feeding stops after its token, so events are never reordered or dropped.
/// </summary>
internal sealed unsafe partial class NativeParser
{
    /// <summary>Where a chunk's events go: the caller's arrays and how much of them is used.</summary>
    internal struct EventSink
    {
        public NativeEvent* Events;
        public nuint MaxEvents;
        public byte* Text;
        public nuint Capacity;
        public nuint Taken;
        public nuint Used;
    }

    /// <summary>
    /// Feeds <paramref name="tokens"/> while every event fits into <paramref name="sink"/>; the queue must be empty.
    /// Returns the status (a failure is recorded and sticks, as for <see cref="Feed"/>) and the tokens accepted; the
    /// events written before a failure stay written.
    /// </summary>
    public int FeedChunk(ReadOnlySpan<int> tokens, ref EventSink sink, out int accepted)
    {
        accepted = 0;
        if (_failure != CampfireStatus.Ok)
        {
            return RepeatFailure();
        }

        ref HarmonyStreamParser machine = ref _machine;
        bool lenient = Mode == ParseMode.Lenient;
        int baseIndex = _tokenIndex;
        NativeEvent* events = sink.Events;
        byte* text = sink.Text;
        nuint taken = sink.Taken, used = sink.Used;
        nuint maxEvents = sink.MaxEvents, capacity = sink.Capacity;
        bool queued = false;
        int position = 0;
        int status = Abi.Ok;
        try
        {
            for (; position < tokens.Length; position++)
            {
                int token = tokens[position];
                int index = baseIndex + position;
                if ((uint)token >= HarmonyTokens.VocabularySize && !lenient)
                {
                    ThrowUnknownToken(index, token);
                }

                for (HarmonyParserEventKind kind = machine.Read(token); kind != HarmonyParserEventKind.None; kind = machine.Read())
                {
                    if (kind == HarmonyParserEventKind.ContentDelta)
                    {
                        ReadOnlySpan<byte> delta = machine.ContentDelta;
                        if (!queued && taken < maxEvents && (nuint)delta.Length <= capacity - used)
                        {
                            WriteDelta(events + taken, text + used, index, (int)used, delta);
                            taken++;
                            used += (nuint)delta.Length;
                        }
                        else
                        {
                            queued = true;
                            Events.AddDelta(index, delta);
                        }
                    }
                    else
                    {
                        Enqueue(kind, index);
                        queued = queued || !TryTakeInto(events, maxEvents, text, capacity, ref taken, ref used);
                    }
                }

                if (queued)
                {
                    position++;
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            status = RecordFailure(e);
        }
        finally
        {
            sink.Taken = taken;
            sink.Used = used;
            RememberChunk(tokens[..position]);
            _tokenIndex += position;
        }

        accepted = position;
        return status;
    }

    /// <summary>Takes queued events, oldest first, while they fit into the sink; true when the queue is left empty.</summary>
    public bool DrainInto(ref EventSink sink)
    {
        while (Events.Count > 0)
        {
            if (!TryTakeInto(sink.Events, sink.MaxEvents, sink.Text, sink.Capacity, ref sink.Taken, ref sink.Used))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Takes the oldest queued event into the caller's arrays if it fits there.</summary>
    private bool TryTakeInto(NativeEvent* events, nuint maxEvents, byte* text, nuint capacity, ref nuint taken, ref nuint used)
    {
        int needed = Events.PeekTextLength();
        if (taken >= maxEvents || (nuint)needed > capacity - used)
        {
            return false;
        }

        NativeEvent e = Events.Take(new Span<byte>(text + used, needed));
        Rebase(ref e, (int)used);
        events[taken++] = e;
        used += (nuint)needed;
        return true;
    }

    /// <summary>
    /// Writes a content delta event and its bytes: seven 8-byte stores for the event (absent refs are offset 0,
    /// length -1; the layout is little-endian, as on every NativeAOT target) and overlapping unaligned moves for the
    /// short deltas tokens make, instead of a call to memmove per token.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDelta(NativeEvent* e, byte* destination, int index, int offset, ReadOnlySpan<byte> delta)
    {
        const ulong BothAbsent = 0xFFFF_FFFF_FFFF_FFFF; // role -1, end token -1
        const ulong AbsentRef = 0xFFFF_FFFF_0000_0000; // offset 0, length -1
        int length = delta.Length;
        ref byte source = ref MemoryMarshal.GetReference(delta);
        if ((uint)(length - 4) <= 12)
        {
            if (length >= 8)
            {
                Unsafe.WriteUnaligned(destination, Unsafe.ReadUnaligned<ulong>(ref source));
                Unsafe.WriteUnaligned(destination + length - 8, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, length - 8)));
            }
            else
            {
                Unsafe.WriteUnaligned(destination, Unsafe.ReadUnaligned<uint>(ref source));
                Unsafe.WriteUnaligned(destination + length - 4, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, length - 4)));
            }
        }
        else if (length < 4)
        {
            for (int i = 0; i < length; i++)
            {
                destination[i] = Unsafe.Add(ref source, i);
            }
        }
        else
        {
            delta.CopyTo(new Span<byte>(destination, length));
        }

        ulong* words = (ulong*)e;
        words[0] = (uint)NativeEventKind.ContentDelta | ((ulong)(uint)index << 32);
        words[1] = BothAbsent;
        words[2] = AbsentRef;
        words[3] = AbsentRef;
        words[4] = AbsentRef;
        words[5] = AbsentRef;
        words[6] = (uint)offset | ((ulong)(uint)length << 32);
    }

    /// <summary>Moves an event taken at offset 0 of the caller's text to <paramref name="offset"/>.</summary>
    internal static void Rebase(ref NativeEvent e, int offset)
    {
        if (offset == 0)
        {
            return;
        }

        e.Name.Offset += e.Name.Length >= 0 ? offset : 0;
        e.Channel.Offset += e.Channel.Length >= 0 ? offset : 0;
        e.Recipient.Offset += e.Recipient.Length >= 0 ? offset : 0;
        e.ContentType.Offset += e.ContentType.Length >= 0 ? offset : 0;
        e.Text.Offset += e.Text.Length >= 0 ? offset : 0;
    }

    private void RememberChunk(ReadOnlySpan<int> tokens)
    {
        if (_historyCount + tokens.Length > _history.Length)
        {
            GrowHistory(_historyCount + tokens.Length);
        }

        tokens.CopyTo(_history.AsSpan(_historyCount));
        _historyCount += tokens.Length;
    }
}
