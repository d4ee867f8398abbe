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
        // The reference refuses ids outside the vocabulary (lenient mode lets the parser recover): tokens are fed up to
        // the first such id, which then fails.
        int limit = Mode == ParseMode.Lenient ? tokens.Length : KnownPrefixLength(tokens);
        int baseIndex = _tokenIndex;
        long machineStart = machine.TokenIndex;
        var writer = new EventWriter(sink);
        int position = 0;
        int status = Abi.Ok;
        try
        {
            while (true)
            {
                // Runs of plain content tokens (most of a completion) go through the parser's run loop, which writes
                // their deltas straight into the caller's arrays.
                if (machine.State == HarmonyParseState.Content)
                {
                    writer.Index = baseIndex + position;
                    position += machine.ReadPlainContent(tokens[position..limit], ref writer);
                }

                if (position == limit)
                {
                    if (limit < tokens.Length)
                    {
                        ThrowUnknownToken(baseIndex + limit, tokens[limit]);
                    }

                    break;
                }

                // Everything else (headers, special tokens, code points split over tokens): the parser consumes tokens
                // up to the next one that causes events, so a header's tokens take one call.
                HarmonyParserEventKind kind = machine.Read(tokens[position..limit], out int consumed);
                position += consumed;
                int index = baseIndex + position - 1;
                bool queued = false;
                for (; kind != HarmonyParserEventKind.None; kind = machine.Read())
                {
                    if (kind == HarmonyParserEventKind.ContentDelta)
                    {
                        writer.Index = index;
                        if (queued || !writer.TryTake(machine.ContentDelta))
                        {
                            queued = true;
                            Events.AddDelta(index, machine.ContentDelta);
                        }
                    }
                    else if (queued || !TryWriteEvent(kind, index, ref writer))
                    {
                        Enqueue(kind, index);
                        queued = queued || !writer.TryTake(Events);
                    }
                }

                if (queued)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The parser counts the tokens it read, up to the one that failed (which it leaves unread).
            position = (int)(machine.TokenIndex - machineStart);
            status = RecordFailure(e);
        }
        finally
        {
            writer.Into(ref sink);
            RememberChunk(tokens[..position]);
            _tokenIndex += position;
        }

        accepted = position;
        return status;
    }

    /// <summary>How many tokens at the start of <paramref name="tokens"/> are ids of the vocabulary.</summary>
    private static int KnownPrefixLength(ReadOnlySpan<int> tokens)
    {
        int unknown = tokens.IndexOfAnyExceptInRange(0, HarmonyTokens.VocabularySize - 1);
        return unknown < 0 ? tokens.Length : unknown;
    }

    /// <summary>
    /// Writes a message start, header or end straight into the caller's arrays if it fits there, exactly as the queue
    /// would hand it over; false for anything else (diagnostics go through the queue).
    /// </summary>
    private bool TryWriteEvent(HarmonyParserEventKind kind, int index, ref EventWriter writer)
    {
        ref HarmonyStreamParser m = ref _machine;
        switch (kind)
        {
            case HarmonyParserEventKind.MessageStarted:
                return writer.TryTake(NativeEventKind.MessageStart, index, (int)m.Role, -1, m.AuthorName, m.HasAuthorName,
                    default, false, default, false, default, false);
            case HarmonyParserEventKind.HeaderComplete:
                return writer.TryTake(NativeEventKind.HeaderComplete, index, (int)m.Role, -1, m.AuthorName, m.HasAuthorName,
                    m.Channel, m.HasChannel, m.Recipient, m.HasRecipient, m.ContentType, m.HasContentType);
            case HarmonyParserEventKind.MessageEnded:
                return writer.TryTake(NativeEventKind.MessageEnd, index, (int)m.Role, EndTokenOf(m.Terminator),
                    default, false, default, false, default, false, default, false);
            default:
                return false;
        }
    }

    /// <summary>
    /// Writes events into the caller's arrays while they fit: the sink of the parser's plain-content runs, and of the
    /// general path's events in a chunk.
    /// </summary>
    private struct EventWriter : IHarmonyContentSink
    {
        public NativeEvent* Next;
        public NativeEvent* End;
        public byte* Text;
        public byte* TextNext;
        public byte* TextEnd;
        public int Index;

        public EventWriter(in EventSink sink)
        {
            Next = sink.Events + sink.Taken;
            End = sink.Events + sink.MaxEvents;
            Text = sink.Text;
            TextNext = sink.Text + sink.Used;
            TextEnd = sink.Text + sink.Capacity;
        }

        public readonly void Into(ref EventSink sink)
        {
            sink.Taken = (nuint)(Next - sink.Events);
            sink.Used = (nuint)(TextNext - Text);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryTake(ReadOnlySpan<byte> delta)
        {
            NativeEvent* next = Next;
            byte* textNext = TextNext;
            if (next == End || (nuint)delta.Length > (nuint)(TextEnd - textNext))
            {
                return false;
            }

            WriteDelta(next, textNext, Index++, (int)(textNext - Text), delta);
            Next = next + 1;
            TextNext = textNext + delta.Length;
            return true;
        }

        /// <summary>An event without content text; its present fields' bytes follow each other in field order.</summary>
        public bool TryTake(
            NativeEventKind kind, int index, int role, int endToken,
            ReadOnlySpan<byte> name, bool hasName, ReadOnlySpan<byte> channel, bool hasChannel,
            ReadOnlySpan<byte> recipient, bool hasRecipient, ReadOnlySpan<byte> contentType, bool hasContentType)
        {
            nuint needed = (nuint)(name.Length + channel.Length + recipient.Length + contentType.Length);
            if (Next == End || needed > (nuint)(TextEnd - TextNext))
            {
                return false;
            }

            NativeEvent* e = Next;
            e->Kind = (int)kind;
            e->TokenIndex = index;
            e->Role = role;
            e->EndToken = endToken;
            e->Name = Place(name, hasName);
            e->Channel = Place(channel, hasChannel);
            e->Recipient = Place(recipient, hasRecipient);
            e->ContentType = Place(contentType, hasContentType);
            e->Text = NativeTextRef.Absent;
            Next = e + 1;
            return true;
        }

        /// <summary>Takes the oldest event of <paramref name="queue"/> if it fits.</summary>
        public bool TryTake(EventQueue queue)
        {
            int needed = queue.PeekTextLength();
            if (Next == End || (nuint)needed > (nuint)(TextEnd - TextNext))
            {
                return false;
            }

            NativeEvent e = queue.Take(new Span<byte>(TextNext, needed));
            Rebase(ref e, (int)(TextNext - Text));
            *Next++ = e;
            TextNext += needed;
            return true;
        }

        private NativeTextRef Place(ReadOnlySpan<byte> bytes, bool present)
        {
            if (!present)
            {
                return NativeTextRef.Absent;
            }

            bytes.CopyTo(new Span<byte>(TextNext, bytes.Length));
            var placed = new NativeTextRef { Offset = (int)(TextNext - Text), Length = bytes.Length };
            TextNext += bytes.Length;
            return placed;
        }
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
        else if (length > 0 && length < 4)
        {
            // 1 to 3 bytes without a loop: first, middle and last byte (some of them the same one).
            destination[0] = source;
            destination[length >> 1] = Unsafe.Add(ref source, length >> 1);
            destination[length - 1] = Unsafe.Add(ref source, length - 1);
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
