using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native.Parsing;

/// <summary>
/// What a campfire_parser handle holds: the managed streaming parser (see NativeParser.Machine.cs), the queue of
/// events the host has not read, the index of the next token, and a sticky failure. Not thread-safe: the C contract
/// allows one thread at a time per handle.
/// </summary>
internal sealed unsafe partial class NativeParser
{
    public const int RoleNone = -1;
    private const int MaxRole = 4;
    private const int MaxMode = 2;
    private const uint StateMagic = 0x53504643; // "CFPS"
    private const int StateHeaderSize = 16;

    private int _role;
    private int _mode;
    private int _tokenIndex;
    private CampfireStatus _failure;
    private string? _failureMessage;

    public NativeParser(int role, int mode)
    {
        _role = role;
        _mode = mode;
        Events = new EventQueue();
        InitializeMachine();
    }

    public EventQueue Events { get; private set; }

    public static bool TryCheckOptions(int role, int mode, out int status)
    {
        if (role < RoleNone || role > MaxRole)
        {
            status = Abi.Invalid($"role {role} is not CAMPFIRE_ROLE_NONE (-1) or a CAMPFIRE_ROLE_* value (0..4)");
            return false;
        }

        if (mode < 0 || mode > MaxMode)
        {
            status = Abi.Invalid($"mode {mode} is not CAMPFIRE_PARSE_STRICT (0), NON_STRICT (1) or LENIENT (2)");
            return false;
        }

        status = Abi.Ok;
        return true;
    }

    /// <summary>Feeds one token; a failure is recorded, sticks until reset/restore, and keeps earlier events.</summary>
    public int Feed(int token)
    {
        if (_failure != CampfireStatus.Ok)
        {
            return RepeatFailure();
        }

        try
        {
            FeedMachine(token, _tokenIndex);
            _tokenIndex++;
            return Abi.Ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return RecordFailure(e);
        }
    }

    /// <summary>
    /// Feeds one token and hands its first event straight to the caller (no queueing) when the queue is empty and
    /// the event's text fits; returns the status, and whether an event was delivered.
    /// </summary>
    public int FeedDirect(int token, NativeEvent* firstEvent, byte* text, nuint capacity, out bool delivered)
    {
        firstEvent->Kind = (int)NativeEventKind.None;
        delivered = false;
        if (_failure != CampfireStatus.Ok || Events.Count != 0)
        {
            return Feed(token);
        }

        // FeedChunk for one token, without its chunk bookkeeping: this is the per-token call of a decode loop.
        int index = _tokenIndex;
        try
        {
            if ((uint)token >= HarmonyTokens.VocabularySize && Mode != ParseMode.Lenient)
            {
                ThrowUnknownToken(index, token);
            }

            ref HarmonyStreamParser machine = ref _machine;
            HarmonyParserEventKind kind = machine.Read(token);
            if (kind != HarmonyParserEventKind.None)
            {
                if (kind == HarmonyParserEventKind.ContentDelta)
                {
                    ReadOnlySpan<byte> delta = machine.ContentDelta;
                    if ((nuint)delta.Length <= capacity)
                    {
                        WriteDelta(firstEvent, text, index, 0, delta);
                        delivered = true;
                    }
                    else
                    {
                        Events.AddDelta(index, delta);
                    }
                }
                else
                {
                    // A message start or end goes straight to the caller, as in FeedChunk; anything else through the queue.
                    var writer = new EventWriter(new EventSink { Events = firstEvent, MaxEvents = 1, Text = text, Capacity = capacity });
                    delivered = TryWriteEvent(kind, index, ref writer);
                    if (!delivered)
                    {
                        Enqueue(kind, index);
                        delivered = writer.TryTake(Events);
                    }
                }

                while ((kind = machine.Read()) != HarmonyParserEventKind.None)
                {
                    Enqueue(kind, index);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return RecordFailure(e);
        }

        _tokenIndex = index + 1;
        Remember(token);
        return Abi.Ok;
    }

    public int Finish()
    {
        if (_failure != CampfireStatus.Ok)
        {
            return RepeatFailure();
        }

        try
        {
            FinishMachine(_tokenIndex);
            return Abi.Ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return RecordFailure(e);
        }
    }

    public void Reset()
    {
        _tokenIndex = 0;
        _failure = CampfireStatus.Ok;
        _failureMessage = null;
        Events.Clear();
        InitializeMachine();
    }

    public void Release()
    {
        Events.Release();
        ReleaseMachine();
    }

    /// <summary>
    /// Writes the whole state: a header (magic, ABI version, payload length, FNV-1a checksum of the payload), then
    /// role, mode, token index, failure, the machine's own state and the unread events, all little-endian.
    /// </summary>
    public void Save(PooledBufferWriter<byte> output)
    {
        output.GetSpan(StateHeaderSize)[..StateHeaderSize].Clear();
        output.Advance(StateHeaderSize);
        WriteInt32(output, _role);
        WriteInt32(output, _mode);
        WriteInt32(output, _tokenIndex);
        WriteInt32(output, (int)_failure);
        WriteString(output, _failureMessage);
        SaveMachine(output);
        Events.Save(output);

        // The header goes last, once the payload is known.
        ReadOnlySpan<byte> written = output.WrittenSpan;
        ReadOnlySpan<byte> payload = written[StateHeaderSize..];
        Span<byte> header = stackalloc byte[StateHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, StateMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Exports.LibraryExports.AbiVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Checksum(payload));
        OverwriteHeader(output, header);
    }

    /// <summary>Replaces this parser's state by a saved one; throws InvalidState (leaving this parser as it was).</summary>
    public void Restore(ReadOnlySpan<byte> state)
    {
        if (state.Length < StateHeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(state) != StateMagic)
        {
            throw StateReader.Corrupt("no state header");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(state[4..]);
        if (version != Exports.LibraryExports.AbiVersion)
        {
            throw StateReader.Corrupt($"saved by ABI version {version}, this is {Exports.LibraryExports.AbiVersion}");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(state[8..]);
        ReadOnlySpan<byte> payload = state[StateHeaderSize..];
        if (length != payload.Length)
        {
            throw StateReader.Corrupt($"payload of {payload.Length} bytes, header says {length}");
        }

        if (Checksum(payload) != BinaryPrimitives.ReadUInt32LittleEndian(state[12..]))
        {
            throw StateReader.Corrupt("checksum mismatch");
        }

        var reader = new StateReader(payload);
        int role = reader.ReadInt32(), mode = reader.ReadInt32(), tokenIndex = reader.ReadInt32();
        var failure = (CampfireStatus)reader.ReadInt32();
        string? failureMessage = ReadString(ref reader);
        if (role < RoleNone || role > MaxRole || mode < 0 || mode > MaxMode || tokenIndex < 0
            || failure < CampfireStatus.Ok || failure > CampfireStatus.Internal)
        {
            throw StateReader.Corrupt("field out of range");
        }

        MachineState machine = RestoreMachine(ref reader, role, mode);
        EventQueue events = EventQueue.Restore(ref reader);
        if (!reader.AtEnd)
        {
            throw StateReader.Corrupt("trailing bytes");
        }

        _role = role;
        _mode = mode;
        _tokenIndex = tokenIndex;
        _failure = failure;
        _failureMessage = failureMessage;
        AdoptMachine(machine);
        Events.Release();
        Events = events;
    }

    private int RecordFailure(Exception e)
    {
        _failure = LastError.Classify(e);
        _failureMessage = e.Message.ReplaceLineEndings(" ");
        return LastError.Fail(_failure, _failureMessage);
    }

    private int RepeatFailure() => LastError.Fail(
        _failure,
        $"the parser stopped at an earlier error and needs campfire_parser_reset or _restore_state: {_failureMessage}");

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint hash = 2166136261;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private static void OverwriteHeader(PooledBufferWriter<byte> output, ReadOnlySpan<byte> header) =>
        header.CopyTo(output.WrittenSpanForPatching[..header.Length]);

    internal static void WriteInt32(IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    internal static void WriteString(IBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            WriteInt32(output, -1);
            return;
        }

        WriteInt32(output, Encoding.UTF8.GetByteCount(value));
        Encoding.UTF8.GetBytes(value, output);
    }

    internal static string? ReadString(ref StateReader reader)
    {
        int length = reader.ReadInt32();
        if (length == -1)
        {
            return null;
        }

        ReadOnlySpan<byte> bytes = reader.ReadBytes(length);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (ArgumentException)
        {
            throw StateReader.Corrupt("text is not UTF-8");
        }
    }
}
