using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Campfire.Native.Parsing;

/// <summary>Event kinds; values are part of the ABI (CAMPFIRE_EVENT_*).</summary>
internal enum NativeEventKind
{
    None = 0,
    MessageStart = 1,
    HeaderComplete = 2,
    ContentDelta = 3,
    MessageEnd = 4,
    Diagnostic = 5,
}

/// <summary>campfire_text_ref: offset and length into the host's text buffer; length -1 = absent.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeTextRef
{
    public int Offset;
    public int Length;

    public static NativeTextRef Absent => new() { Offset = 0, Length = -1 };
}

/// <summary>campfire_event, laid out exactly as in campfire.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeEvent
{
    public int Kind;
    public int TokenIndex;
    public int Role;
    public int EndToken;
    public NativeTextRef Name;
    public NativeTextRef Channel;
    public NativeTextRef Recipient;
    public NativeTextRef ContentType;
    public NativeTextRef Text;
}

/// <summary>
/// The events a parser produced and the host has not read yet. Text lives in one byte arena that is rewound whenever
/// the queue drains, so a host that reads events as they come never makes it grow; warm, queueing allocates nothing.
/// </summary>
internal sealed class EventQueue
{
    private const int TextFields = 5;

    private NativeEvent[] _events = new NativeEvent[16];
    private byte[] _arena = ArrayPool<byte>.Shared.Rent(1024);
    private int _head;
    private int _count;
    private int _arenaUsed;

    public int Count => _count - _head;

    /// <summary>Hands the text arena back to the pool; the queue must not be used afterwards.</summary>
    public void Release()
    {
        Clear();
        ArrayPool<byte>.Shared.Return(_arena);
        _arena = [];
    }

    public void Clear()
    {
        _head = 0;
        _count = 0;
        _arenaUsed = 0;
    }

    /// <summary>Appends an event; its text refs are given as arena-free (absent) and filled from the spans.</summary>
    public void Add(
        NativeEventKind kind,
        int tokenIndex,
        int role = -1,
        int endToken = -1,
        ReadOnlySpan<byte> name = default, bool hasName = false,
        ReadOnlySpan<byte> channel = default, bool hasChannel = false,
        ReadOnlySpan<byte> recipient = default, bool hasRecipient = false,
        ReadOnlySpan<byte> contentType = default, bool hasContentType = false,
        ReadOnlySpan<byte> text = default, bool hasText = false)
    {
        if (_count == _events.Length)
        {
            if (_head > 0)
            {
                Array.Copy(_events, _head, _events, 0, _count - _head);
                _count -= _head;
                _head = 0;
            }
            else
            {
                Array.Resize(ref _events, _events.Length * 2);
            }
        }

        _events[_count++] = new NativeEvent
        {
            Kind = (int)kind,
            TokenIndex = tokenIndex,
            Role = role,
            EndToken = endToken,
            Name = Store(name, hasName),
            Channel = Store(channel, hasChannel),
            Recipient = Store(recipient, hasRecipient),
            ContentType = Store(contentType, hasContentType),
            Text = Store(text, hasText),
        };
    }

    /// <summary>The per-token fast path: a content delta (only its text field is present).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void AddDelta(int tokenIndex, ReadOnlySpan<byte> text)
    {
        if (_count == _events.Length || _arenaUsed + text.Length > _arena.Length)
        {
            Add(NativeEventKind.ContentDelta, tokenIndex, text: text, hasText: true);
            return;
        }

        ref NativeEvent e = ref _events[_count++];
        e.Kind = (int)NativeEventKind.ContentDelta;
        e.TokenIndex = tokenIndex;
        e.Role = -1;
        e.EndToken = -1;
        e.Name = NativeTextRef.Absent;
        e.Channel = NativeTextRef.Absent;
        e.Recipient = NativeTextRef.Absent;
        e.ContentType = NativeTextRef.Absent;
        e.Text = new NativeTextRef { Offset = _arenaUsed, Length = text.Length };
        text.CopyTo(_arena.AsSpan(_arenaUsed));
        _arenaUsed += text.Length;
    }

    /// <summary>Bytes of text the oldest event needs in the host's buffer.</summary>
    public int PeekTextLength()
    {
        ref NativeEvent e = ref _events[_head];
        return Math.Max(e.Name.Length, 0) + Math.Max(e.Channel.Length, 0) + Math.Max(e.Recipient.Length, 0)
            + Math.Max(e.ContentType.Length, 0) + Math.Max(e.Text.Length, 0);
    }

    /// <summary>Removes the oldest event, copying its text into <paramref name="text"/> (which must be large enough).</summary>
    public NativeEvent Take(Span<byte> text)
    {
        NativeEvent e = _events[_head++];
        if (e.Kind == (int)NativeEventKind.ContentDelta)
        {
            _arena.AsSpan(e.Text.Offset, e.Text.Length).CopyTo(text);
            e.Text.Offset = 0;
            if (_head == _count)
            {
                Clear();
            }

            return e;
        }

        int offset = 0;
        e.Name = Place(e.Name, text, ref offset);
        e.Channel = Place(e.Channel, text, ref offset);
        e.Recipient = Place(e.Recipient, text, ref offset);
        e.ContentType = Place(e.ContentType, text, ref offset);
        e.Text = Place(e.Text, text, ref offset);
        if (_head == _count)
        {
            Clear();
        }

        return e;
    }

    /// <summary>Appends this queue's unread events to a saved state (ints little-endian, then the texts).</summary>
    public void Save(IBufferWriter<byte> output)
    {
        Span<byte> header = output.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(header, Count);
        output.Advance(4);
        for (int i = _head; i < _count; i++)
        {
            NativeEvent e = _events[i];
            Span<byte> fixedPart = output.GetSpan(4 * (4 + TextFields));
            BinaryPrimitives.WriteInt32LittleEndian(fixedPart, e.Kind);
            BinaryPrimitives.WriteInt32LittleEndian(fixedPart[4..], e.TokenIndex);
            BinaryPrimitives.WriteInt32LittleEndian(fixedPart[8..], e.Role);
            BinaryPrimitives.WriteInt32LittleEndian(fixedPart[12..], e.EndToken);
            int at = 16;
            foreach (NativeTextRef field in Fields(e))
            {
                BinaryPrimitives.WriteInt32LittleEndian(fixedPart[at..], field.Length);
                at += 4;
            }

            output.Advance(at);
            foreach (NativeTextRef field in Fields(e))
            {
                if (field.Length > 0)
                {
                    output.Write(_arena.AsSpan(field.Offset, field.Length));
                }
            }
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote into a fresh queue, or throws InvalidState.</summary>
    public static EventQueue Restore(ref StateReader reader)
    {
        var queue = new EventQueue();
        int count = reader.ReadInt32();
        if (count < 0)
        {
            throw StateReader.Corrupt("negative event count");
        }

        Span<int> lengths = stackalloc int[TextFields];
        for (int i = 0; i < count; i++)
        {
            var kind = (NativeEventKind)reader.ReadInt32();
            if (kind is < NativeEventKind.MessageStart or > NativeEventKind.Diagnostic)
            {
                throw StateReader.Corrupt($"unknown event kind {(int)kind}");
            }

            int tokenIndex = reader.ReadInt32(), role = reader.ReadInt32(), endToken = reader.ReadInt32();
            for (int f = 0; f < TextFields; f++)
            {
                lengths[f] = reader.ReadInt32();
                if (lengths[f] < -1)
                {
                    throw StateReader.Corrupt("negative text length");
                }
            }

            ReadOnlySpan<byte> name = reader.ReadBytes(Math.Max(lengths[0], 0));
            ReadOnlySpan<byte> channel = reader.ReadBytes(Math.Max(lengths[1], 0));
            ReadOnlySpan<byte> recipient = reader.ReadBytes(Math.Max(lengths[2], 0));
            ReadOnlySpan<byte> contentType = reader.ReadBytes(Math.Max(lengths[3], 0));
            ReadOnlySpan<byte> text = reader.ReadBytes(Math.Max(lengths[4], 0));
            queue.Add(kind, tokenIndex, role, endToken,
                name, lengths[0] >= 0, channel, lengths[1] >= 0, recipient, lengths[2] >= 0,
                contentType, lengths[3] >= 0, text, lengths[4] >= 0);
        }

        return queue;
    }

    private static NativeTextRef[] Fields(NativeEvent e) => [e.Name, e.Channel, e.Recipient, e.ContentType, e.Text];

    private NativeTextRef Store(ReadOnlySpan<byte> bytes, bool present)
    {
        if (!present)
        {
            return NativeTextRef.Absent;
        }

        if (_arenaUsed + bytes.Length > _arena.Length)
        {
            byte[] grown = ArrayPool<byte>.Shared.Rent(Math.Max(_arena.Length * 2, _arenaUsed + bytes.Length));
            _arena.AsSpan(0, _arenaUsed).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_arena);
            _arena = grown;
        }

        bytes.CopyTo(_arena.AsSpan(_arenaUsed));
        var reference = new NativeTextRef { Offset = _arenaUsed, Length = bytes.Length };
        _arenaUsed += bytes.Length;
        return reference;
    }

    private NativeTextRef Place(NativeTextRef source, Span<byte> text, ref int offset)
    {
        if (source.Length < 0)
        {
            return NativeTextRef.Absent;
        }

        _arena.AsSpan(source.Offset, source.Length).CopyTo(text[offset..]);
        var placed = new NativeTextRef { Offset = offset, Length = source.Length };
        offset += source.Length;
        return placed;
    }
}
