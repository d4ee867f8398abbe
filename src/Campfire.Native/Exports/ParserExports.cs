using System.Runtime.InteropServices;
using Campfire.Native.Parsing;

namespace Campfire.Native.Exports;

/// <summary>campfire_parser: the incremental parser behind a handle, its event queue, and state save/restore.</summary>
internal static unsafe class ParserExports
{
    internal static readonly HandleTable<NativeParser> Parsers = new(HandleKind.Parser);

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_create")]
    public static int Create(int role, int mode, nint* parser)
    {
        try
        {
            if (parser == null)
            {
                return Abi.Null("out_parser");
            }

            if (!NativeParser.TryCheckOptions(role, mode, out int status))
            {
                return status;
            }

            *parser = Parsers.Add(new NativeParser(role, mode));
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_feed")]
    public static int Feed(nint handle, int token, nuint* pendingEvents)
    {
        try
        {
            CampfireStatus found = Parsers.TryGet(handle, out NativeParser parser);
            if (found != CampfireStatus.Ok)
            {
                return BadHandle(found, handle);
            }

            int status = parser.Feed(token);
            if (pendingEvents != null)
            {
                *pendingEvents = (nuint)parser.Events.Count;
            }

            return status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_feed_span")]
    public static int FeedSpan(nint handle, int* tokens, nuint count, nuint* consumed, nuint* pendingEvents)
    {
        try
        {
            if (!TryResolve(handle, out NativeParser parser, out int status)
                || !Abi.TryInput(tokens, count, "tokens", out ReadOnlySpan<int> ids, out status))
            {
                return status;
            }

            int accepted = 0;
            status = Abi.Ok;
            while (accepted < ids.Length && (status = parser.Feed(ids[accepted])) == Abi.Ok)
            {
                accepted++;
            }

            if (consumed != null)
            {
                *consumed = (nuint)accepted;
            }

            if (pendingEvents != null)
            {
                *pendingEvents = (nuint)parser.Events.Count;
            }

            return status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_finish")]
    public static int Finish(nint handle, nuint* pendingEvents)
    {
        try
        {
            if (!TryResolve(handle, out NativeParser parser, out int status))
            {
                return status;
            }

            status = parser.Finish();
            if (pendingEvents != null)
            {
                *pendingEvents = (nuint)parser.Events.Count;
            }

            return status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_next_event")]
    public static int NextEvent(nint handle, NativeEvent* nativeEvent, byte* text, nuint capacity, nuint* textLength)
    {
        try
        {
            CampfireStatus found = Parsers.TryGet(handle, out NativeParser parser);
            if (found != CampfireStatus.Ok)
            {
                return BadHandle(found, handle);
            }

            if (nativeEvent == null)
            {
                return Abi.Null("event");
            }

            if (textLength == null)
            {
                return Abi.Null("out_text_length");
            }

            if (text == null && capacity != 0)
            {
                return Abi.Null("text");
            }

            EventQueue events = parser.Events;
            if (events.Count == 0)
            {
                *nativeEvent = NoEvent;
                *textLength = 0;
                return Abi.Ok;
            }

            int needed = events.PeekTextLength();
            *textLength = (nuint)needed;
            if ((nuint)needed > capacity)
            {
                return EventTooLarge(needed, capacity);
            }

            *nativeEvent = events.Take(new Span<byte>(text, needed));
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    /// <summary>Feed one token and take its first event in one boundary crossing (the decode-loop fast path).</summary>
    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_feed_next")]
    public static int FeedNext(
        nint handle, int token, NativeEvent* nativeEvent, byte* text, nuint capacity, nuint* textLength, nuint* pendingEvents)
    {
        try
        {
            CampfireStatus found = Parsers.TryGet(handle, out NativeParser parser);
            if (found != CampfireStatus.Ok)
            {
                return BadHandle(found, handle);
            }

            if (nativeEvent == null || textLength == null || (text == null && capacity != 0))
            {
                return Abi.Null(nativeEvent == null ? "event" : textLength == null ? "out_text_length" : "text");
            }

            int status = parser.FeedDirect(token, nativeEvent, text, capacity, out bool delivered);
            EventQueue events = parser.Events;
            if (delivered)
            {
                *textLength = (nuint)nativeEvent->Name.Length.ClampAbsent() + (nuint)nativeEvent->Channel.Length.ClampAbsent()
                    + (nuint)nativeEvent->Recipient.Length.ClampAbsent() + (nuint)nativeEvent->ContentType.Length.ClampAbsent()
                    + (nuint)nativeEvent->Text.Length.ClampAbsent();
            }
            else
            {
                *nativeEvent = NoEvent;
                *textLength = status == Abi.Ok && events.Count > 0 ? (nuint)events.PeekTextLength() : 0;
            }

            if (pendingEvents != null)
            {
                *pendingEvents = (nuint)events.Count;
            }

            return status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    /// <summary>Takes as many queued events as fit into the caller's arrays, in order.</summary>
    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_next_events")]
    public static int NextEvents(
        nint handle, NativeEvent* nativeEvents, nuint maxEvents, byte* text, nuint capacity, nuint* eventCount, nuint* textLength)
    {
        try
        {
            CampfireStatus found = Parsers.TryGet(handle, out NativeParser parser);
            if (found != CampfireStatus.Ok)
            {
                return BadHandle(found, handle);
            }

            if (eventCount == null || textLength == null)
            {
                return Abi.Null(eventCount == null ? "out_count" : "out_text_length");
            }

            if ((nativeEvents == null && maxEvents != 0) || (text == null && capacity != 0))
            {
                return Abi.Null(nativeEvents == null ? "events" : "text");
            }

            EventQueue events = parser.Events;
            nuint taken = 0, used = 0;
            while (taken < maxEvents && events.Count > 0)
            {
                int needed = events.PeekTextLength();
                if ((nuint)needed > capacity - used)
                {
                    break;
                }

                NativeEvent e = events.Take(new Span<byte>(text + used, needed));
                NativeParser.Rebase(ref e, (int)used);
                nativeEvents[taken++] = e;
                used += (nuint)needed;
            }

            *eventCount = taken;
            if (taken == 0 && events.Count > 0 && maxEvents > 0)
            {
                int needed = events.PeekTextLength();
                *textLength = (nuint)needed;
                return EventTooLarge(needed, capacity);
            }

            *textLength = used;
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_feed_span_events")]
    public static int FeedSpanEvents(
        nint handle, int* tokens, nuint count, NativeEvent* nativeEvents, nuint maxEvents, byte* text, nuint capacity,
        nuint* consumed, nuint* eventCount, nuint* textLength, nuint* pendingEvents)
    {
        try
        {
            if (!TryResolve(handle, out NativeParser parser, out int status)
                || !Abi.TryInput(tokens, count, "tokens", out ReadOnlySpan<int> ids, out status))
            {
                return status;
            }

            if (consumed == null || eventCount == null || textLength == null)
            {
                return Abi.Null(consumed == null ? "out_consumed" : eventCount == null ? "out_count" : "out_text_length");
            }

            if ((nativeEvents == null && maxEvents != 0) || (text == null && capacity != 0))
            {
                return Abi.Null(nativeEvents == null ? "events" : "text");
            }

            // Events queued before the call come first; then the tokens are fed while their events fit. Feeding stops
            // once an event stays queued, so events are never reordered or dropped.
            var sink = new NativeParser.EventSink
            {
                Events = nativeEvents, MaxEvents = maxEvents, Text = text, Capacity = capacity,
            };
            int accepted = 0;
            status = Abi.Ok;
            if (parser.DrainInto(ref sink) && ids.Length > 0)
            {
                status = parser.FeedChunk(ids, ref sink, out accepted);
            }

            EventQueue events = parser.Events;
            *consumed = (nuint)accepted;
            *eventCount = sink.Taken;
            *textLength = sink.Used;
            if (pendingEvents != null)
            {
                *pendingEvents = (nuint)events.Count;
            }

            if (status == Abi.Ok && sink.Taken == 0 && events.Count > 0 && maxEvents > 0)
            {
                int needed = events.PeekTextLength();
                *textLength = (nuint)needed;
                return EventTooLarge(needed, capacity);
            }

            return status;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    private static NativeEvent NoEvent => new()
    {
        Kind = (int)NativeEventKind.None, TokenIndex = -1, Role = -1, EndToken = -1,
        Name = NativeTextRef.Absent, Channel = NativeTextRef.Absent, Recipient = NativeTextRef.Absent,
        ContentType = NativeTextRef.Absent, Text = NativeTextRef.Absent,
    };

    private static int ClampAbsent(this int length) => Math.Max(length, 0);

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_save_state")]
    public static int SaveState(nint handle, byte* buffer, nuint capacity, nuint* size)
    {
        try
        {
            if (!TryResolve(handle, out NativeParser parser, out int status))
            {
                return status;
            }

            if (size == null)
            {
                return Abi.Null("out_size");
            }

            if (!Abi.TryOutput(buffer, capacity, "buffer", out status))
            {
                return status;
            }

            PooledBufferWriter<byte> state = Scratch.Bytes();
            parser.Save(state);
            return Abi.CopyOut(state.WrittenSpan, buffer, capacity, size, "the parser state");
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_restore_state")]
    public static int RestoreState(nint handle, byte* state, nuint size)
    {
        try
        {
            if (!TryResolve(handle, out NativeParser parser, out int status)
                || !Abi.TryInput(state, size, "state", out ReadOnlySpan<byte> bytes, out status))
            {
                return status;
            }

            parser.Restore(bytes);
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_reset")]
    public static int Reset(nint handle)
    {
        try
        {
            if (!TryResolve(handle, out NativeParser parser, out int status))
            {
                return status;
            }

            parser.Reset();
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "campfire_parser_free")]
    public static int Free(nint handle)
    {
        try
        {
            CampfireStatus status = Parsers.Remove(handle, out NativeParser parser);
            if (status != CampfireStatus.Ok)
            {
                return LastError.Fail(status, Parsers.Describe(status, handle));
            }

            parser.Release();
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

    private static bool TryResolve(nint handle, out NativeParser parser, out int status)
    {
        CampfireStatus found = Parsers.TryGet(handle, out parser);
        status = found == CampfireStatus.Ok ? Abi.Ok : BadHandle(found, handle);
        return found == CampfireStatus.Ok;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int BadHandle(CampfireStatus status, nint handle) => LastError.Fail(status, Parsers.Describe(status, handle));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int EventTooLarge(int needed, nuint capacity) => LastError.Fail(
        CampfireStatus.BufferTooSmall, $"the next event has {needed} bytes of text but the buffer holds {capacity}");
}
