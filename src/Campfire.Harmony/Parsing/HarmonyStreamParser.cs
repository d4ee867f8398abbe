using System.Runtime.CompilerServices;
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
public partial struct HarmonyStreamParser
{
    private const int FirstSpecialId = HarmonyTokens.StartOfText;

    // Events that one token caused and Read has not reported yet; Drain reports them in the order of these bits.
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
        IncompleteSequenceReplacement = 64,
        Ended = 128,
    }

    // Where the bytes of the current ContentDelta live, so that a delta is a view and never a copy.
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
    private int _headerInvalidId;
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

    /// <summary>
    /// The mode given at construction: which deviations from the grammar throw and which are recovered and reported as
    /// <see cref="HarmonyParserEventKind.Diagnostic"/> events.
    /// </summary>
    public readonly ParseMode Mode => _mode;

    private readonly int MaxHeaderBytes => HarmonyParserLimits.DefaultMaxHeaderBytes + _headerLimitOffset;
    private readonly int MaxMessageBytes => HarmonyParserLimits.DefaultMaxMessageBytes + _messageLimitOffset;

    /// <summary>Where the state machine stands.</summary>
    public readonly HarmonyParseState State => _state;

    /// <summary>Index of the next token to be read (for text input: its byte offset).</summary>
    public readonly long TokenIndex => _index;

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

    [InlineArray(4)]
    private struct Scratch
    {
        private byte _element;
    }
}
