using System.Diagnostics.CodeAnalysis;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

// Input as UTF-8 text instead of token ids (HarmonyTextParser): ordinary text is fed as if it were token bytes,
// special-token literals as their tokens, and positions count bytes.
public partial struct HarmonyStreamParser
{
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
}
