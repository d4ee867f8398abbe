using System.Buffers;
using System.Text;
using Campfire.Harmony;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native.Parsing;

/// <summary>
/// The managed <see cref="HarmonyStreamParser"/> inside a parser handle. Its state is a struct with private fields
/// (and, for very long headers, a shared spill array), so it cannot be written out as bytes directly; instead the
/// handle keeps the tokens it accepted since create/reset (4 bytes each) and where the host called finish, and a
/// saved state replays them into a fresh parser. The parser is deterministic, so the replay reproduces the exact
/// state; the events already handed to the host are discarded during the replay and the unread ones come from the
/// saved queue.
/// </summary>
internal sealed unsafe partial class NativeParser
{
    private HarmonyStreamParser _machine;
    private int[] _history = [];
    private int _historyCount;
    private List<int>? _finishMarks;

    /// <summary>A replayed parser waiting to replace the live one once the whole saved state has been read.</summary>
    private sealed class MachineState(HarmonyStreamParser machine, int[] history, int historyCount, List<int>? finishMarks)
    {
        public HarmonyStreamParser Machine = machine;
        public readonly int[] History = history;
        public readonly int HistoryCount = historyCount;
        public readonly List<int>? FinishMarks = finishMarks;
    }

    private ParseMode Mode => (ParseMode)_mode;

    private void InitializeMachine()
    {
        _machine = CreateMachine(_role, _mode);
        _historyCount = 0;
        _finishMarks = null;
    }

    private static HarmonyStreamParser CreateMachine(int role, int mode) =>
        new((ParseMode)mode, role == RoleNone ? null : (Role)role);

    private void FeedMachine(int token, int index)
    {
        // The reference refuses ids outside the vocabulary; lenient mode lets the parser recover (a diagnostic).
        if ((uint)token >= HarmonyTokens.VocabularySize && Mode != ParseMode.Lenient)
        {
            ThrowUnknownToken(index, token);
        }

        HarmonyParserEventKind kind = _machine.Read(token);
        while (kind != HarmonyParserEventKind.None)
        {
            Enqueue(kind, index);
            kind = _machine.Read();
        }

        Remember(token);
    }

    private void FinishMachine(int index)
    {
        HarmonyParserEventKind kind;
        while ((kind = _machine.ReadEndOfStream()) != HarmonyParserEventKind.None)
        {
            Enqueue(kind, index);
        }

        (_finishMarks ??= []).Add(_historyCount);
    }

    private void Enqueue(HarmonyParserEventKind kind, int index)
    {
        ref HarmonyStreamParser m = ref _machine;
        switch (kind)
        {
            case HarmonyParserEventKind.MessageStarted:
                Events.Add(NativeEventKind.MessageStart, index, role: (int)m.Role,
                    name: m.AuthorName, hasName: m.HasAuthorName);
                break;
            case HarmonyParserEventKind.HeaderComplete:
                Events.Add(NativeEventKind.HeaderComplete, index, role: (int)m.Role,
                    name: m.AuthorName, hasName: m.HasAuthorName,
                    channel: m.Channel, hasChannel: m.HasChannel,
                    recipient: m.Recipient, hasRecipient: m.HasRecipient,
                    contentType: m.ContentType, hasContentType: m.HasContentType);
                break;
            case HarmonyParserEventKind.ContentDelta:
                Events.AddDelta(index, m.ContentDelta);
                break;
            case HarmonyParserEventKind.MessageEnded:
                Events.Add(NativeEventKind.MessageEnd, index, role: (int)m.Role, endToken: EndTokenOf(m.Terminator));
                break;
            case HarmonyParserEventKind.Diagnostic:
                EnqueueDiagnostic(m.Quirk, m.EventTokenIndex);
                break;
        }
    }

    /// <summary>The token that ended a message (CAMPFIRE_EVENT_MESSAGE_END's end_token), or -1 for none.</summary>
    private static int EndTokenOf(MessageTerminator terminator) => terminator switch
    {
        MessageTerminator.End => HarmonyTokens.End,
        MessageTerminator.Call => HarmonyTokens.Call,
        MessageTerminator.Return => HarmonyTokens.Return,
        _ => -1,
    };

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowUnknownToken(int index, int token) =>
        throw new NativeStatusException(CampfireStatus.UnknownToken, $"token {index}: id {token} is not in o200k_harmony");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void EnqueueDiagnostic(HarmonyParseQuirk quirk, long tokenIndex)
    {
        byte[] text = Encoding.UTF8.GetBytes($"{quirk}: {new HarmonyParseDiagnostic(tokenIndex, quirk).Description}");
        Events.Add(NativeEventKind.Diagnostic, (int)Math.Min(tokenIndex, int.MaxValue), text: text, hasText: true);
    }

    private void Remember(int token)
    {
        if (_historyCount == _history.Length)
        {
            GrowHistory(_historyCount + 1);
        }

        _history[_historyCount++] = token;
    }

    private void GrowHistory(int needed)
    {
        int[] grown = ArrayPool<int>.Shared.Rent(Math.Max(needed, Math.Max(1024, _history.Length * 2)));
        _history.AsSpan(0, _historyCount).CopyTo(grown);
        ReturnHistory(_history);
        _history = grown;
    }

    private static void ReturnHistory(int[] history)
    {
        if (history.Length > 0)
        {
            ArrayPool<int>.Shared.Return(history);
        }
    }

    private void SaveMachine(IBufferWriter<byte> output)
    {
        WriteInt32(output, _historyCount);
        for (int i = 0; i < _historyCount; i++)
        {
            WriteInt32(output, _history[i]);
        }

        WriteInt32(output, _finishMarks?.Count ?? 0);
        foreach (int mark in _finishMarks ?? [])
        {
            WriteInt32(output, mark);
        }
    }

    private static MachineState RestoreMachine(ref StateReader reader, int role, int mode)
    {
        int count = reader.ReadInt32();
        if (count < 0)
        {
            throw StateReader.Corrupt("negative token count");
        }

        ReadOnlySpan<byte> tokenBytes = reader.ReadBytes(checked(count * 4));
        int markCount = reader.ReadInt32();
        if (markCount < 0)
        {
            throw StateReader.Corrupt("negative finish count");
        }

        var marks = new List<int>(markCount);
        for (int i = 0; i < markCount; i++)
        {
            int mark = reader.ReadInt32();
            if (mark < 0 || mark > count || (i > 0 && mark < marks[^1]))
            {
                throw StateReader.Corrupt("finish position out of order");
            }

            marks.Add(mark);
        }

        int[] history = count == 0 ? [] : ArrayPool<int>.Shared.Rent(count);
        HarmonyStreamParser machine = CreateMachine(role, mode);
        int nextMark = 0;
        try
        {
            for (int i = 0; i <= count; i++)
            {
                while (nextMark < marks.Count && marks[nextMark] == i)
                {
                    while (machine.ReadEndOfStream() != HarmonyParserEventKind.None)
                    {
                    }

                    nextMark++;
                }

                if (i == count)
                {
                    break;
                }

                int token = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(tokenBytes[(i * 4)..]);
                history[i] = token;
                if ((uint)token >= HarmonyTokens.VocabularySize && (ParseMode)mode != ParseMode.Lenient)
                {
                    throw StateReader.Corrupt($"token {i} is not in the vocabulary");
                }

                if (machine.Read(token) != HarmonyParserEventKind.None)
                {
                    while (machine.Read() != HarmonyParserEventKind.None)
                    {
                    }
                }
            }
        }
        catch (HarmonyException e) when (e is not NativeStatusException)
        {
            ReturnHistory(history);
            throw StateReader.Corrupt($"its tokens do not replay ({e.Message})");
        }
        catch
        {
            ReturnHistory(history);
            throw;
        }

        return new MachineState(machine, history, count, markCount == 0 ? null : marks);
    }

    private void AdoptMachine(MachineState state)
    {
        ReturnHistory(_history);
        _machine = state.Machine;
        _history = state.History;
        _historyCount = state.HistoryCount;
        _finishMarks = state.FinishMarks;
    }

    private void ReleaseMachine()
    {
        ReturnHistory(_history);
        _history = [];
        _historyCount = 0;
    }
}
