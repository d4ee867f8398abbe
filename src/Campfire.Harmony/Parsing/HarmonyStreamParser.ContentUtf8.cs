using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

// Cuts content bytes into deltas of whole code points: a code point split across tokens is held back until it
// completes, and ill-formed bytes become U+FFFD per maximal subpart, as the reference's decoder does.
public partial struct HarmonyStreamParser
{
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
                    if (!Utf8Sequence.IsValidContinuation(lead, _utf8PendingLength, next))
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
                WriteLittleEndian(scratch, _utf8Pending);
                _deltaSource = DeltaSource.Scratch;
                _deltaLength = _utf8PendingNeed;
                _utf8PendingLength = 0;
                return true;
            }

            int run = Utf8Sequence.ValidPrefixLength(bytes[offset..]);
            if (run > 0)
            {
                start = offset;
                length = run;
                offset += run;
                isSlice = true;
                return true;
            }
            var status = Utf8Sequence.Classify(bytes, offset, out int size);
            if (status == Utf8SequenceStatus.Incomplete)
            {
                _utf8Pending = 0;
                for (int i = 0; i < size; i++)
                    _utf8Pending |= (uint)bytes[offset + i] << (8 * i);
                _utf8PendingLength = (byte)size;
                _utf8PendingNeed = (byte)Utf8Sequence.SequenceLength(bytes[offset]);
                offset += size;
                return false;
            }
            offset += size;
            _deltaSource = DeltaSource.Replacement;
            return true;
        }
        return false;
    }

    private static void WriteLittleEndian(Span<byte> destination, uint value)
    {
        destination[0] = (byte)value;
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)(value >> 16);
        destination[3] = (byte)(value >> 24);
    }
}
