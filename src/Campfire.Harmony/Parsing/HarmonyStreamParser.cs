using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// Incremental Harmony parser in the style of <see cref="System.Text.Json.Utf8JsonReader"/>: its whole state is this
/// struct, so parsing can stop after any token and resume later from the struct or from a copy of it (a copy is an
/// independent snapshot). Feed tokens with <see cref="Read(ReadOnlySpan{int}, out int)"/>; each call consumes tokens
/// until something happens and reports it (<see cref="HarmonyParserEventKind"/>); the event's data (role, channel,
/// content delta...) is readable on the parser until the next call. Warm, it allocates nothing per token.
/// </summary>
/// <remarks>
/// Grammar and error behaviour follow openai/harmony's <c>StreamableParser</c> exactly in <see cref="ParseMode.Strict"/>
/// and <see cref="ParseMode.NonStrict"/>; <see cref="ParseMode.Lenient"/> adds recoveries reported as diagnostics.
/// Content deltas never split a code point, even one spread over several tokens; ill-formed UTF-8 becomes U+FFFD
/// per maximal subpart, as in the reference.
/// </remarks>
public struct HarmonyStreamParser
{
    private const int FirstSpecialId = HarmonyTokens.StartOfText;

    [Flags]
    private enum Pending : byte
    {
        None = 0,
        Quirks = 1,
        Started = 2,
        Header = 4,
        Recovered = 8,
        Segment = 16,
        PoisonReplacement = 32,
        PendingReplacement = 64,
        Ended = 128,
    }

    private enum DeltaSource : byte { Vocabulary, Scratch, Header, Replacement, Space, External }

    private readonly ParseMode _mode;
    // Stored relative to the defaults (and roles as role + 1) so that default(HarmonyStreamParser) is a valid strict
    // parser with default limits and no prefill.
    private readonly int _headerLimitOffset;
    private readonly int _messageLimitOffset;

    private HarmonyParseState _state;
    private byte _nextRolePlusOne;
    private byte _lastRolePlusOne;
    private bool _afterReturn;
    private bool _droppingAfterReturn;
    private bool _endOfStreamProcessed;
    private long _index;

    private HeaderStore _header;
    private int _headerTokens;
    private bool _headerHasInvalidId;
    private bool _headerResetPending;
    private HeaderFields _fields;

    private int _contentBytes;
    private bool _poisoned;
    private uint _utf8Pending;
    private byte _utf8PendingLength;
    private byte _utf8PendingNeed;

    private Pending _pending;
    private ulong _quirkQueue;
    private byte _quirkCount;
    private long _quirkTokenIndex;
    private HarmonyParseQuirk _quirk;
    private long _eventTokenIndex;
    private MessageTerminator _terminator;
    private ulong _segmentEntry;
    private int _segmentOffset;
    private int _recoveredPosition;
    private bool _recoveredNeedsSpace;
    private DeltaSource _deltaSource;
    private int _deltaStart;
    private int _deltaLength;
    private Scratch _scratch;

    /// <summary>A parser at the start of a completion.</summary>
    /// <param name="mode">Strict, non-strict (the reference's two modes) or lenient (ours).</param>
    /// <param name="prefillRole">
    /// The role whose header was already given (the prompt ends with <c>&lt;|start|&gt;assistant</c>): parsing starts
    /// inside that header. Null: parsing starts before a <c>&lt;|start|&gt;</c>.
    /// </param>
    /// <param name="limits">Header and message size limits (default: generous).</param>
    public HarmonyStreamParser(ParseMode mode, Role? prefillRole = null, HarmonyParserLimits limits = default)
    {
        if ((uint)mode > (uint)ParseMode.Lenient)
            throw new ArgumentOutOfRangeException(nameof(mode));
        _mode = mode;
        _headerLimitOffset = limits.EffectiveMaxHeaderBytes - HarmonyParserLimits.DefaultMaxHeaderBytes;
        _messageLimitOffset = limits.EffectiveMaxMessageBytes - HarmonyParserLimits.DefaultMaxMessageBytes;
        _nextRolePlusOne = prefillRole is { } role ? (byte)(role + 1) : (byte)0;
        _state = prefillRole is null ? HarmonyParseState.ExpectStart : HarmonyParseState.Header;
        _fields = HeaderFields.Empty(Role.Assistant);
    }

    public readonly ParseMode Mode => _mode;

    private readonly int MaxHeaderBytes => HarmonyParserLimits.DefaultMaxHeaderBytes + _headerLimitOffset;
    private readonly int MaxMessageBytes => HarmonyParserLimits.DefaultMaxMessageBytes + _messageLimitOffset;

    /// <summary>Where the state machine stands.</summary>
    public readonly HarmonyParseState State => _state;

    /// <summary>Index of the next token to be read (for text input: its byte offset).</summary>
    public readonly long TokenIndex => _index;

    /// <summary>Token index of the last <see cref="HarmonyParserEventKind.Diagnostic"/>.</summary>
    public readonly long EventTokenIndex => _eventTokenIndex;

    /// <summary>The quirk of the last <see cref="HarmonyParserEventKind.Diagnostic"/>.</summary>
    public readonly HarmonyParseQuirk Quirk => _quirk;

    /// <summary>How the last message ended (valid at <see cref="HarmonyParserEventKind.MessageEnded"/>).</summary>
    public readonly MessageTerminator Terminator => _terminator;

    /// <summary>Role of the current (or just ended) message.</summary>
    public readonly Role Role => _fields.Role;

    /// <summary>True when the current message's author has a name (tool messages: e.g. <c>browser.search</c>).</summary>
    public readonly bool HasAuthorName => _fields.Name.IsPresent;
    public readonly bool HasChannel => _fields.Channel.IsPresent;
    public readonly bool HasRecipient => _fields.Recipient.IsPresent;
    public readonly bool HasContentType => _fields.ContentType.IsPresent;

    /// <summary>UTF-8 author name (empty when absent; see <see cref="HasAuthorName"/>).</summary>
    [UnscopedRef] public ReadOnlySpan<byte> AuthorName => Field(_fields.Name);
    [UnscopedRef] public ReadOnlySpan<byte> Channel => Field(_fields.Channel);
    [UnscopedRef] public ReadOnlySpan<byte> Recipient => Field(_fields.Recipient);

    /// <summary>E.g. <c>json</c> or <c>&lt;|constrain|&gt;json</c>.</summary>
    [UnscopedRef] public ReadOnlySpan<byte> ContentType => Field(_fields.ContentType);

    public string? GetAuthorName() => FieldString(_fields.Name);
    public string? GetChannel() => FieldString(_fields.Channel);
    public string? GetRecipient() => FieldString(_fields.Recipient);
    public string? GetContentType() => FieldString(_fields.ContentType);

    /// <summary>The UTF-8 bytes of the last <see cref="HarmonyParserEventKind.ContentDelta"/>: whole code points only.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> ContentDelta => _deltaSource switch
    {
        DeltaSource.Vocabulary => ParserTables.Blob.AsSpan(_deltaStart, _deltaLength),
        DeltaSource.Scratch => ((ReadOnlySpan<byte>)_scratch)[.._deltaLength],
        DeltaSource.Header => _header.Slice(_deltaStart, _deltaLength),
        DeltaSource.Replacement => Utf8Scanner.ReplacementCharacter,
        DeltaSource.Space => " "u8,
        _ => default,
    };

    /// <summary>
    /// Consumes tokens until the next event and reports it, or returns <see cref="HarmonyParserEventKind.None"/> once
    /// every token of <paramref name="tokens"/> is consumed. Call again with the tokens after <paramref name="consumed"/>
    /// (events pending from one token are reported first, even with an empty span).
    /// </summary>
    /// <exception cref="HarmonyParseException">The token at <see cref="TokenIndex"/> breaks the grammar or a limit; the parser is unchanged by it.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HarmonyParserEventKind Read(ReadOnlySpan<int> tokens, out int consumed)
    {
        if (tokens.Length != 0 && TryReadPlainContent(tokens[0]))
        {
            consumed = 1;
            return HarmonyParserEventKind.ContentDelta;
        }
        return ReadCore(tokens, out consumed);
    }

    /// <summary>
    /// Reads one token and reports the first event it causes; call <see cref="Read()"/> until it returns
    /// <see cref="HarmonyParserEventKind.None"/> for the rest. Same as <c>Read(new ReadOnlySpan&lt;int&gt;(ref token), out _)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HarmonyParserEventKind Read(int token) =>
        TryReadPlainContent(token) ? HarmonyParserEventKind.ContentDelta : ReadCore(new ReadOnlySpan<int>(ref token), out _);

    /// <summary>
    /// The common case, one ordinary token of complete UTF-8 inside content with nothing pending: the delta is the
    /// token's bytes in the vocabulary blob. No decoding, no copying, no loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReadPlainContent(int token)
    {
        if (_pending != Pending.None || _state != HarmonyParseState.Content || (uint)token >= FirstSpecialId
            || (_utf8PendingLength | (_poisoned ? 1 : 0)) != 0)
            return false;
        ulong entry = ParserTables.Entries[token];
        int length = ParserVocabulary.Length(entry);
        int contentBytes = _contentBytes + length;
        if (!ParserVocabulary.IsCompleteUtf8(entry) || contentBytes > MaxMessageBytes)
            return false;
        _contentBytes = contentBytes;
        _deltaSource = DeltaSource.Vocabulary;
        _deltaStart = ParserVocabulary.Offset(entry);
        _deltaLength = length;
        _index++;
        return true;
    }

    private HarmonyParserEventKind ReadCore(ReadOnlySpan<int> tokens, out int consumed)
    {
        var vocabulary = ParserVocabulary.Instance;
        int position = 0;
        while (true)
        {
            if (TryDrain(vocabulary, out var pendingEvent))
            {
                consumed = position;
                return pendingEvent;
            }
            if ((uint)position >= (uint)tokens.Length)
            {
                consumed = position;
                return HarmonyParserEventKind.None;
            }
            int token = tokens[position];
            if (TryReadPlainContent(token))
            {
                consumed = position + 1;
                return HarmonyParserEventKind.ContentDelta;
            }
            ProcessToken(token, vocabulary);
            position++;
            _index++;
        }
    }

    /// <summary>Reports the next pending event without consuming a token (<see cref="HarmonyParserEventKind.None"/> when there is none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HarmonyParserEventKind Read() =>
        _pending == Pending.None ? HarmonyParserEventKind.None : ReadCore(ReadOnlySpan<int>.Empty, out _);

    /// <summary>
    /// Signals the end of the input (the reference's <c>process_eos</c>) and reports the events it causes, one per
    /// call, then <see cref="HarmonyParserEventKind.None"/>. Content in progress ends with
    /// <see cref="MessageTerminator.EndOfStream"/>; a header in progress is an error (lenient: dropped).
    /// </summary>
    public HarmonyParserEventKind ReadEndOfStream()
    {
        var vocabulary = ParserVocabulary.Instance;
        while (true)
        {
            if (TryDrain(vocabulary, out var pendingEvent))
                return pendingEvent;
            if (_endOfStreamProcessed)
                return HarmonyParserEventKind.None;
            ProcessEndOfStream();
            _endOfStreamProcessed = true;
        }
    }

    // ----- token processing -------------------------------------------------------------------------------------

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
            else
                _headerHasInvalidId = true;
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
        else if (_headerHasInvalidId || !Utf8Scanner.IsComplete(_header.Bytes))
        {
            ThrowParse(HarmonyParseError.HeaderNotDecodable, "could not decode header");
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

    private void EndMessage(MessageTerminator terminator)
    {
        if (_poisoned)
            _pending |= Pending.PoisonReplacement;
        if (_utf8PendingLength != 0)
        {
            // An incomplete sequence at the end of a message: one U+FFFD, and nothing leaks into the next message.
            _pending |= Pending.PendingReplacement;
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

    // ----- text input (used by HarmonyTextParser) -----------------------------------------------------------------

    /// <summary>Sets the position reported in errors and diagnostics (text input counts bytes).</summary>
    internal void SetTokenIndex(long index) => _index = index;

    /// <summary>
    /// Feeds ordinary text (no special-token literals) as if it were the bytes of tokens. A
    /// <see cref="HarmonyParserEventKind.ContentDelta"/> from text is read with <see cref="ContentDeltaIn"/>.
    /// </summary>
    internal HarmonyParserEventKind ReadText(ReadOnlySpan<byte> text, out int consumed)
    {
        var vocabulary = ParserVocabulary.Instance;
        int position = 0;
        while (true)
        {
            if (TryDrain(vocabulary, out var pendingEvent))
            {
                consumed = position;
                return pendingEvent;
            }
            if (position >= text.Length)
            {
                consumed = position;
                return HarmonyParserEventKind.None;
            }
            _endOfStreamProcessed = false;
            switch (_state)
            {
                case HarmonyParseState.ExpectStart:
                    if (_mode != ParseMode.Lenient)
                        ThrowParse(HarmonyParseError.UnexpectedToken, $"Unexpected text while expecting start token {HarmonyTokens.Start}");
                    if (!StartImplicitly(isStop: false))
                    {
                        _index += text.Length - position;
                        position = text.Length;
                    }
                    continue;
                case HarmonyParseState.Header:
                    AppendHeaderBytes(text[position..]);
                    _index += text.Length - position;
                    position = text.Length;
                    continue;
                default:
                    if (_contentBytes + (text.Length - position) > MaxMessageBytes)
                        ThrowMessageTooLong();
                    int before = position;
                    if (_poisoned)
                    {
                        position = text.Length;
                    }
                    else if (NextSegment(text, ref position, out int start, out int length, out bool isSlice))
                    {
                        if (isSlice)
                        {
                            _deltaSource = DeltaSource.External;
                            _deltaStart = start;
                            _deltaLength = length;
                        }
                        _contentBytes += position - before;
                        _index += position - before;
                        consumed = position;
                        return HarmonyParserEventKind.ContentDelta;
                    }
                    _contentBytes += position - before;
                    _index += position - before;
                    continue;
            }
        }
    }

    /// <summary>Feeds a special token found in text, <paramref name="literalLength"/> bytes long.</summary>
    internal HarmonyParserEventKind ReadSpecial(int token, int literalLength)
    {
        var vocabulary = ParserVocabulary.Instance;
        if (_pending != Pending.None)
        {
            var pendingEvent = Drain(vocabulary);
            if (pendingEvent != HarmonyParserEventKind.None)
                throw new InvalidOperationException("drain pending events before feeding the next token");
        }
        ProcessToken(token, vocabulary);
        _index += literalLength;
        return Read();
    }

    /// <summary>The delta of a <see cref="HarmonyParserEventKind.ContentDelta"/> reported by <see cref="ReadText"/>.</summary>
    [UnscopedRef]
    internal ReadOnlySpan<byte> ContentDeltaIn(ReadOnlySpan<byte> text) =>
        _deltaSource == DeltaSource.External ? text.Slice(_deltaStart, _deltaLength) : ContentDelta;

    // ----- event draining -------------------------------------------------------------------------------------------

    /// <summary>Reports the next pending event, if any.</summary>
    private bool TryDrain(ParserVocabulary vocabulary, out HarmonyParserEventKind pendingEvent)
    {
        pendingEvent = _pending == Pending.None ? HarmonyParserEventKind.None : Drain(vocabulary);
        return pendingEvent != HarmonyParserEventKind.None;
    }

    private HarmonyParserEventKind Drain(ParserVocabulary vocabulary)
    {
        if (_quirkCount != 0)
        {
            _quirk = (HarmonyParseQuirk)(byte)_quirkQueue;
            _quirkQueue >>= 8;
            _quirkCount--;
            _eventTokenIndex = _quirkTokenIndex;
            if (_quirkCount == 0)
                _pending &= ~Pending.Quirks;
            return HarmonyParserEventKind.Diagnostic;
        }
        if ((_pending & Pending.Started) != 0)
        {
            _pending &= ~Pending.Started;
            return HarmonyParserEventKind.MessageStarted;
        }
        if ((_pending & Pending.Header) != 0)
        {
            _pending &= ~Pending.Header;
            return HarmonyParserEventKind.HeaderComplete;
        }
        if ((_pending & Pending.Recovered) != 0)
        {
            if (NextRecoveredWord())
                return HarmonyParserEventKind.ContentDelta;
            _pending &= ~Pending.Recovered;
        }
        if ((_pending & Pending.Segment) != 0)
        {
            ReadOnlySpan<byte> bytes = vocabulary.Bytes(_segmentEntry);
            int offset = _segmentOffset;
            if (NextSegment(bytes, ref offset, out int start, out int length, out bool isSlice))
            {
                _segmentOffset = offset;
                if (isSlice)
                {
                    _deltaSource = DeltaSource.Vocabulary;
                    _deltaStart = ParserVocabulary.Offset(_segmentEntry) + start;
                    _deltaLength = length;
                }
                return HarmonyParserEventKind.ContentDelta;
            }
            _segmentOffset = -1;
            _pending &= ~Pending.Segment;
        }
        if ((_pending & Pending.PoisonReplacement) != 0)
        {
            _pending &= ~Pending.PoisonReplacement;
            _deltaSource = DeltaSource.Replacement;
            return HarmonyParserEventKind.ContentDelta;
        }
        if ((_pending & Pending.PendingReplacement) != 0)
        {
            _pending &= ~Pending.PendingReplacement;
            _deltaSource = DeltaSource.Replacement;
            return HarmonyParserEventKind.ContentDelta;
        }
        if ((_pending & Pending.Ended) != 0)
        {
            _pending &= ~Pending.Ended;
            return HarmonyParserEventKind.MessageEnded;
        }
        return HarmonyParserEventKind.None;
    }

    /// <summary>The content of a recovered header: its words joined by single spaces (the reference's <c>parts.join(" ")</c>).</summary>
    private bool NextRecoveredWord()
    {
        if (_recoveredPosition < 0)
            return false;
        int end = _fields.ContentPartsEnd;
        int regionStart = _fields.ContentPartsStart;
        ReadOnlySpan<byte> region = _header.Bytes[regionStart..end];
        int position = _recoveredPosition - regionStart;
        int probe = position;
        if (!HeaderGrammar.NextWord(region, ref probe, out int wordStart, out int wordLength))
        {
            _recoveredPosition = -1;
            return false;
        }
        if (_recoveredNeedsSpace)
        {
            _recoveredNeedsSpace = false;
            _deltaSource = DeltaSource.Space;
            return true;
        }
        _recoveredPosition = regionStart + probe;
        _recoveredNeedsSpace = true;
        _deltaSource = DeltaSource.Header;
        _deltaStart = regionStart + wordStart;
        _deltaLength = wordLength;
        return true;
    }

    /// <summary>
    /// The next piece of content from <paramref name="bytes"/> starting at <paramref name="offset"/>: a run of whole
    /// code points (a slice: <paramref name="isSlice"/>), a code point completed from earlier bytes (scratch) or a
    /// U+FFFD for an ill-formed subsequence. Returns false when the bytes are used up (an incomplete sequence at
    /// their end waits in the parser for the next token).
    /// </summary>
    private bool NextSegment(ReadOnlySpan<byte> bytes, ref int offset, out int start, out int length, out bool isSlice)
    {
        start = length = 0;
        isSlice = false;
        while (offset < bytes.Length)
        {
            if (_utf8PendingLength != 0)
            {
                byte lead = (byte)_utf8Pending;
                while (_utf8PendingLength < _utf8PendingNeed && offset < bytes.Length)
                {
                    byte next = bytes[offset];
                    if (!Utf8Scanner.IsValidContinuation(lead, _utf8PendingLength, next))
                    {
                        _utf8PendingLength = 0;
                        _deltaSource = DeltaSource.Replacement;
                        return true;
                    }
                    _utf8Pending |= (uint)next << (8 * _utf8PendingLength);
                    _utf8PendingLength++;
                    offset++;
                }
                if (_utf8PendingLength < _utf8PendingNeed)
                    return false;
                Span<byte> scratch = _scratch;
                BitConverterWrite(scratch, _utf8Pending);
                _deltaSource = DeltaSource.Scratch;
                _deltaLength = _utf8PendingNeed;
                _utf8PendingLength = 0;
                return true;
            }

            int run = Utf8Scanner.ValidPrefixLength(bytes[offset..]);
            if (run > 0)
            {
                start = offset;
                length = run;
                offset += run;
                isSlice = true;
                return true;
            }
            var status = Utf8Scanner.Classify(bytes, offset, out int size);
            if (status == Utf8Scanner.Status.Incomplete)
            {
                _utf8Pending = 0;
                for (int i = 0; i < size; i++)
                    _utf8Pending |= (uint)bytes[offset + i] << (8 * i);
                _utf8PendingLength = (byte)size;
                _utf8PendingNeed = (byte)Utf8Scanner.SequenceLength(bytes[offset]);
                offset += size;
                return false;
            }
            offset += size;
            _deltaSource = DeltaSource.Replacement;
            return true;
        }
        return false;
    }

    private static void BitConverterWrite(Span<byte> destination, uint value)
    {
        destination[0] = (byte)value;
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)(value >> 16);
        destination[3] = (byte)(value >> 24);
    }

    // ----- helpers --------------------------------------------------------------------------------------------------

    private void Enqueue(HarmonyParseQuirk quirk)
    {
        if (_quirkCount == 0)
            _quirkTokenIndex = _index;
        if (_quirkCount >= 8)
            return;
        _quirkQueue |= (ulong)(byte)quirk << (8 * _quirkCount);
        _quirkCount++;
        _pending |= Pending.Quirks;
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

    [UnscopedRef]
    private ReadOnlySpan<byte> Field(ByteRange range) => range.IsPresent ? _header.Slice(range.Start, range.Length) : default;

    private string? FieldString(ByteRange range) =>
        range.IsPresent ? Encoding.UTF8.GetString(_header.Slice(range.Start, range.Length)) : null;

    [DoesNotReturn]
    private readonly void ThrowParse(HarmonyParseError error, string detail) =>
        throw new HarmonyParseException(error, _index, _state, detail);

    [DoesNotReturn]
    private readonly void ThrowMessageTooLong() =>
        ThrowParse(HarmonyParseError.MessageTooLong, $"message longer than the limit of {MaxMessageBytes} bytes");

    [InlineArray(4)]
    private struct Scratch
    {
        private byte _element;
    }
}
