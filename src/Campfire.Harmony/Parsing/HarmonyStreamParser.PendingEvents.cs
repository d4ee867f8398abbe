namespace Campfire.Harmony.Parsing;

// One token can cause several events (a diagnostic, a message start, deltas, an end) but Read reports one at a
// time: the token machine only sets Pending flags and queues quirks, and these members hand them out in order.
public partial struct HarmonyStreamParser
{
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
        if ((_pending & Pending.IncompleteSequenceReplacement) != 0)
        {
            _pending &= ~Pending.IncompleteSequenceReplacement;
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
}
