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
                return LastError.Fail(found, Parsers.Describe(found, handle));
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
                return LastError.Fail(found, Parsers.Describe(found, handle));
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
                *nativeEvent = new NativeEvent
                {
                    Kind = (int)NativeEventKind.None, TokenIndex = -1, Role = -1, EndToken = -1,
                    Name = NativeTextRef.Absent, Channel = NativeTextRef.Absent, Recipient = NativeTextRef.Absent,
                    ContentType = NativeTextRef.Absent, Text = NativeTextRef.Absent,
                };
                *textLength = 0;
                return Abi.Ok;
            }

            int needed = events.PeekTextLength();
            *textLength = (nuint)needed;
            if ((nuint)needed > capacity)
            {
                return LastError.Fail(
                    CampfireStatus.BufferTooSmall,
                    $"the next event has {needed} bytes of text but the buffer holds {capacity}");
            }

            *nativeEvent = events.Take(new Span<byte>(text, needed));
            return Abi.Ok;
        }
        catch (Exception e)
        {
            return LastError.FromException(e);
        }
    }

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
        status = found == CampfireStatus.Ok ? Abi.Ok : LastError.Fail(found, Parsers.Describe(found, handle));
        return found == CampfireStatus.Ok;
    }
}
