using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

// The reference's StreamableParser state machine: what one token (or the end of the input) does in each state,
// including the lenient recoveries. It never reports events itself; it leaves them pending for Read.
public partial struct HarmonyStreamParser
{
    private void ProcessToken(int token, ParserVocabulary vocabulary)
    {
        _endOfStreamProcessed = false;
        switch (_state)
        {
            case HarmonyParseState.ExpectStart:
                if (token == HarmonyTokens.Start)
                {
                    BeginHeader();
                    return;
                }
                if (_mode != ParseMode.Lenient)
                    ThrowParse(HarmonyParseError.UnexpectedToken, $"Unexpected token {token} while expecting start token {HarmonyTokens.Start}");
                if (StartImplicitly(IsStop(token)))
                    ProcessToken(token, vocabulary);
                return;

            case HarmonyParseState.Header:
                if (token == HarmonyTokens.Message)
                {
                    CompleteHeader();
                    return;
                }
                if (_mode != ParseMode.Strict && IsStop(token))
                {
                    StopInHeader(TerminatorOf(token));
                    return;
                }
                if (_mode == ParseMode.Lenient && token == HarmonyTokens.Start)
                {
                    Enqueue(HarmonyParseQuirk.AbandonedHeader);
                    BeginHeader();
                    return;
                }
                AppendHeaderToken(token, vocabulary);
                return;

            default:
                if (IsStop(token))
                {
                    EndMessage(TerminatorOf(token));
                    return;
                }
                if (_mode == ParseMode.Lenient && token == HarmonyTokens.Start)
                {
                    Enqueue(HarmonyParseQuirk.MissingEnd);
                    EndMessage(MessageTerminator.Implicit);
                    BeginHeader();
                    return;
                }
                ulong entry = vocabulary.Entry(token);
                if (!ParserVocabulary.IsValid(entry))
                {
                    // The reference cannot decode the token, nor anything after it in this message: the rest of the
                    // message becomes one U+FFFD at its end.
                    if (!_poisoned && _mode == ParseMode.Lenient)
                        Enqueue(HarmonyParseQuirk.InvalidTokenId);
                    _poisoned = true;
                    return;
                }
                int length = ParserVocabulary.Length(entry);
                if (_contentBytes + length > MaxMessageBytes)
                    ThrowMessageTooLong();
                _contentBytes += length;
                if (_poisoned)
                    return;
                _segmentEntry = entry;
                _segmentOffset = 0;
                _pending |= Pending.Segment;
                return;
        }
    }

    /// <summary>Lenient: a token between messages. Returns true when it begins an implicit header.</summary>
    private bool StartImplicitly(bool isStop)
    {
        if (_afterReturn)
        {
            if (!_droppingAfterReturn)
                Enqueue(HarmonyParseQuirk.TextAfterReturn);
            _droppingAfterReturn = true;
            return false;
        }
        if (isStop)
        {
            Enqueue(HarmonyParseQuirk.StrayStopToken);
            return false;
        }
        Enqueue(HarmonyParseQuirk.MissingStart);
        BeginHeader();
        return true;
    }

    private void EndMessage(MessageTerminator terminator)
    {
        if (_poisoned)
            _pending |= Pending.PoisonReplacement;
        if (_utf8PendingLength != 0)
        {
            // An incomplete sequence at the end of a message: one U+FFFD, and nothing leaks into the next message.
            _pending |= Pending.IncompleteSequenceReplacement;
            _utf8PendingLength = 0;
        }
        _pending |= Pending.Ended;
        _terminator = terminator;
        _lastRolePlusOne = (byte)(_fields.Role + 1);
        _afterReturn = terminator == MessageTerminator.Return;
        _state = HarmonyParseState.ExpectStart;
        _poisoned = false;
        _contentBytes = 0;
    }

    private void ProcessEndOfStream()
    {
        switch (_state)
        {
            case HarmonyParseState.Header:
                if (_mode != ParseMode.Lenient)
                    ThrowParse(HarmonyParseError.UnexpectedEndOfStream, "Unexpected EOS while waiting for message header to complete");
                if (_headerTokens > 0)
                    Enqueue(HarmonyParseQuirk.TruncatedHeader);
                _state = HarmonyParseState.ExpectStart;
                _nextRolePlusOne = 0;
                return;
            case HarmonyParseState.Content:
                if (_mode == ParseMode.Lenient)
                    Enqueue(HarmonyParseQuirk.TruncatedMessage);
                EndMessage(MessageTerminator.EndOfStream);
                return;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsStop(int token) =>
        token is HarmonyTokens.End or HarmonyTokens.Call or HarmonyTokens.Return;

    private static MessageTerminator TerminatorOf(int token) => token switch
    {
        HarmonyTokens.Call => MessageTerminator.Call,
        HarmonyTokens.Return => MessageTerminator.Return,
        _ => MessageTerminator.End,
    };

    [DoesNotReturn]
    private readonly void ThrowParse(HarmonyParseError error, string detail) =>
        throw new HarmonyParseException(error, _index, _state, detail);

    [DoesNotReturn]
    private readonly void ThrowMessageTooLong() =>
        ThrowParse(HarmonyParseError.MessageTooLong, $"message longer than the limit of {MaxMessageBytes} bytes");
}
