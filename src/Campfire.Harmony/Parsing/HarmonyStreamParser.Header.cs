using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

// Header accumulation: header tokens are only collected as bytes in the HeaderStore, and parsed once the header
// ends (at <|message|>, or at a stop token when the mode recovers the header as content), because the grammar
// needs the whole header text: a word can span tokens and the channel can come anywhere.
public partial struct HarmonyStreamParser
{
    private void BeginHeader()
    {
        _state = HarmonyParseState.Header;
        _headerTokens = 0;
        _headerHasInvalidId = false;
        _afterReturn = false;
        _droppingAfterReturn = false;
        // The ended message's fields stay readable until its events are drained: clear the store lazily.
        _headerResetPending = true;
    }

    private void EnsureHeaderReset()
    {
        if (_headerResetPending)
        {
            _header.Clear();
            _headerResetPending = false;
            _fields = HeaderFields.Empty(_fields.Role);
        }
    }

    private void AppendHeaderToken(int token, ParserVocabulary vocabulary)
    {
        ulong entry = vocabulary.Entry(token);
        if (!ParserVocabulary.IsValid(entry))
        {
            if (_mode == ParseMode.Lenient)
                Enqueue(HarmonyParseQuirk.InvalidTokenId);
            else if (!_headerHasInvalidId)
            {
                _headerHasInvalidId = true;
                _headerInvalidId = token;
            }
            _headerTokens++;
            return;
        }
        AppendHeaderBytes(vocabulary.Bytes(entry));
    }

    private void AppendHeaderBytes(ReadOnlySpan<byte> bytes)
    {
        EnsureHeaderReset();
        if (_header.Length + bytes.Length > MaxHeaderBytes)
            ThrowParse(HarmonyParseError.HeaderTooLong, $"header longer than the limit of {MaxHeaderBytes} bytes");
        _header.Append(bytes);
        _headerTokens++;
    }

    private void CompleteHeader()
    {
        EnsureHeaderReset();
        ParseHeader(recovered: false, givenRole: _nextRolePlusOne - 1);
        _pending |= Pending.Started | Pending.Header;
        _state = HarmonyParseState.Content;
        _nextRolePlusOne = 0;
        _contentBytes = 0;
        _poisoned = false;
        _utf8PendingLength = 0;
    }

    private void StopInHeader(MessageTerminator terminator)
    {
        bool lenient = _mode == ParseMode.Lenient;
        if (_headerTokens > 0 && (_nextRolePlusOne != 0 || lenient))
        {
            EnsureHeaderReset();
            ParseHeader(recovered: true, givenRole: _nextRolePlusOne - 1);
            if (lenient)
                Enqueue(HarmonyParseQuirk.MissingMessageToken);
            _recoveredPosition = _fields.ContentPartsStart;
            _recoveredNeedsSpace = false;
            _pending |= Pending.Started | Pending.Header | Pending.Recovered | Pending.Ended;
            _terminator = terminator;
            _lastRolePlusOne = (byte)(_fields.Role + 1);
        }
        else if (lenient)
        {
            Enqueue(HarmonyParseQuirk.StrayStopToken);
        }
        _state = HarmonyParseState.ExpectStart;
        _nextRolePlusOne = 0;
        _afterReturn = terminator == MessageTerminator.Return;
    }

    /// <summary>Parses the header store; on failure leaves the store as it was and throws.</summary>
    private void ParseHeader(bool recovered, int givenRole)
    {
        bool lenient = _mode == ParseMode.Lenient;
        int rawEnd = _header.Length;
        int rawStart = 0;
        uint quirks = 0;
        if (lenient)
        {
            if (HeaderGrammar.DropInvalidUtf8(ref _header, ref rawStart, ref rawEnd))
                quirks |= HeaderGrammar.Bit(HarmonyParseQuirk.InvalidHeaderBytes);
            if (HeaderGrammar.NormalizeConstrain(ref _header, ref rawStart, ref rawEnd))
                quirks |= HeaderGrammar.Bit(HarmonyParseQuirk.ConstrainVariant);
        }
        else if (_headerHasInvalidId)
        {
            ThrowParse(HarmonyParseError.HeaderNotDecodable,
                $"could not decode header: token id {_headerInvalidId} is not in the o200k_harmony vocabulary");
        }
        else if (!Utf8Sequence.IsComplete(_header.Bytes))
        {
            ThrowParse(HarmonyParseError.HeaderNotDecodable, "could not decode header: its bytes are not valid UTF-8");
        }

        Role fallback = _lastRolePlusOne != 0 ? (Role)(_lastRolePlusOne - 1) : Role.Assistant;
        var outcome = HeaderGrammar.Parse(ref _header, rawStart, rawEnd, givenRole, recovered, lenient, fallback,
            ref quirks, out var fields, out string? detail);
        if (outcome != HeaderGrammar.Outcome.Ok)
        {
            _header.Truncate(_header.Length > rawEnd ? rawEnd : _header.Length);
            ThrowParse(outcome switch
            {
                HeaderGrammar.Outcome.EmptyChannel => HarmonyParseError.EmptyChannel,
                HeaderGrammar.Outcome.MissingRole => HarmonyParseError.MissingRole,
                HeaderGrammar.Outcome.UnknownRole => HarmonyParseError.UnknownRole,
                _ => HarmonyParseError.UnexpectedHeaderText,
            }, detail ?? outcome.ToString());
        }
        _fields = fields;
        for (int quirk = 1; quirks != 0 && quirk < 32; quirk++)
        {
            if ((quirks & (1u << quirk)) != 0)
            {
                Enqueue((HarmonyParseQuirk)quirk);
                quirks &= ~(1u << quirk);
            }
        }
    }
}
