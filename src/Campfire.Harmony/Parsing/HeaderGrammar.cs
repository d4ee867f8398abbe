using System.Runtime.CompilerServices;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// The header grammar of openai/harmony's <c>parse_header_from_string</c>, on bytes and without allocating:
/// the first <c>&lt;|channel|&gt;</c> and the word after it (up to whitespace or '&lt;') give the channel; the rest is
/// trimmed, split on ASCII whitespace and before every <c>&lt;|constrain|&gt;</c>; the first word is the role (an
/// unknown one followed by more words, or a lone <c>to=...</c>, makes a tool author named by it), a word equal to the
/// role is dropped, then the last word is a <c>to=</c> recipient, a lone unconstrained recipient, or a content type
/// preceded by an optional recipient. Anything left is an error (or, for a recovered header, the content).
/// </summary>
internal static class HeaderGrammar
{
    public static ReadOnlySpan<byte> ChannelMarker => "<|channel|>"u8;
    public static ReadOnlySpan<byte> ConstrainMarker => "<|constrain|>"u8;
    private static ReadOnlySpan<byte> RecipientPrefix => "to="u8;

    public enum Outcome : byte { Ok, EmptyChannel, MissingRole, UnknownRole, UnexpectedHeaderText }

    /// <summary>
    /// Parses the header bytes in <c>[rawStart, rawEnd)</c> of <paramref name="store"/> (valid UTF-8). May append
    /// scratch regions to the store; the caller truncates them away on failure.
    /// </summary>
    /// <param name="store">The parser's header store; the returned field ranges point into it.</param>
    /// <param name="rawStart">Start of the header's bytes in the store.</param>
    /// <param name="rawEnd">End (exclusive) of the header's bytes in the store.</param>
    /// <param name="givenRole">The prefilled role, or -1 to read the role from the header.</param>
    /// <param name="recovered">True for a header that a stop token ended: no recipient/content type, the words left are content.</param>
    /// <param name="lenient">Recover from deviations (adding their quirks) instead of failing.</param>
    /// <param name="fallbackRole">The role to use when lenient mode finds none (the previous message's).</param>
    /// <param name="quirks">Bits (<see cref="Bit"/>) of the quirks recovered from, added to.</param>
    /// <param name="fields">The parsed header, as ranges into <paramref name="store"/>.</param>
    /// <param name="detail">On failure, the text for <see cref="HarmonyParseException.Detail"/>; otherwise null.</param>
    public static Outcome Parse(ref HeaderStore store, int rawStart, int rawEnd, int givenRole, bool recovered,
        bool lenient, Role fallbackRole, ref uint quirks, out HeaderFields fields, out string? detail)
    {
        fields = HeaderFields.Empty(Role.Assistant);
        var outcome = ReadChannel(ref store, rawStart, rawEnd, lenient, ref quirks, ref fields, out int start, out int end, out detail);
        if (outcome != Outcome.Ok)
            return outcome;

        ReadOnlySpan<byte> all = store.Bytes;
        Trim(all, ref start, ref end);
        ReadOnlySpan<byte> text = all[start..end];
        var words = ScanWords(text, start);

        outcome = ReadRole(all, words, givenRole, recovered, lenient, fallbackRole, ref quirks, ref fields, out int skip, out detail);
        if (outcome != Outcome.Ok)
            return outcome;
        skip = SkipWordNamingRole(all, text, start, words, skip, fields.Role);

        if (recovered)
        {
            MarkRecoveredContent(text, start, end, words, skip, ref fields);
            return Outcome.Ok;
        }
        if (skip >= words.Count)
            return Outcome.Ok;

        int remaining = ReadRecipientAndContentType(all, words, skip, lenient, ref quirks, ref fields);
        if (remaining == 0)
            return Outcome.Ok;
        if (!lenient)
        {
            detail = DescribeLeftoverWords(text, skip, remaining);
            return Outcome.UnexpectedHeaderText;
        }
        ResolveLeniently(all, text, start, skip, ref fields, ref quirks);
        return Outcome.Ok;
    }

    /// <summary>
    /// Takes the channel out of the header: the word after the first <c>&lt;|channel|&gt;</c>. Returns the range of the
    /// rest of the header in <paramref name="store"/> (the raw range itself when there is no marker).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Outcome ReadChannel(ref HeaderStore store, int rawStart, int rawEnd, bool lenient, ref uint quirks,
        ref HeaderFields fields, out int restStart, out int restEnd, out string? detail)
    {
        detail = null;
        ReadOnlySpan<byte> raw = store.Bytes[rawStart..rawEnd];
        int marker = raw.IndexOf(ChannelMarker);
        if (marker < 0)
        {
            restStart = rawStart;
            restEnd = rawEnd;
            return Outcome.Ok;
        }
        int valueStart = marker + ChannelMarker.Length;
        int valueEnd = ChannelValueEnd(raw, valueStart);
        if (valueEnd == valueStart)
        {
            if (!lenient)
            {
                restStart = restEnd = 0;
                detail = "channel marker present but no channel value found in header";
                return Outcome.EmptyChannel;
            }
            quirks |= Bit(HarmonyParseQuirk.EmptyChannel);
        }
        else
        {
            fields.Channel = new ByteRange(rawStart + valueStart, valueEnd - valueStart);
        }
        // The rest of the header is what precedes the marker joined to what follows the channel name: copy it to a
        // scratch region so that words joined across the cut are seen as one, as the reference does.
        restStart = store.Length;
        store.Append(store.Bytes.Slice(rawStart, marker));
        store.Append(store.Bytes.Slice(rawStart + valueEnd, raw.Length - valueEnd));
        restEnd = store.Length;
        return Outcome.Ok;
    }

    /// <summary>Where the channel name that starts at <paramref name="valueStart"/> ends: at Unicode whitespace or '&lt;'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChannelValueEnd(ReadOnlySpan<byte> raw, int valueStart)
    {
        int valueEnd = valueStart;
        while (valueEnd < raw.Length)
        {
            Rune.DecodeFromUtf8(raw[valueEnd..], out Rune rune, out int size);
            if (rune.Value == '<' || IsWhiteSpace(rune.Value))
                break;
            valueEnd += size;
        }
        return valueEnd;
    }

    /// <summary>
    /// One pass over the words of <paramref name="text"/> (which starts at <paramref name="start"/> in the store),
    /// keeping only what the grammar looks at, so that no list of words is ever built.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static HeaderWords ScanWords(ReadOnlySpan<byte> text, int start)
    {
        var words = new HeaderWords { Last = ByteRange.Absent, BeforeLast = ByteRange.Absent };
        for (int pos = 0; NextWord(text, ref pos, out int wordStart, out int wordLength);)
        {
            var word = new ByteRange(start + wordStart, wordLength);
            if (words.Count < HeaderWords.FirstCount)
                words.Firsts[words.Count] = word;
            words.BeforeLast = words.Last;
            words.Last = word;
            words.Count++;
        }
        return words;
    }

    /// <summary>
    /// Sets the role (and, for tools, the author name) from the prefill or the first word. <paramref name="skip"/> is
    /// the number of leading words used up as the author name.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Outcome ReadRole(ReadOnlySpan<byte> all, in HeaderWords words, int givenRole, bool recovered, bool lenient,
        Role fallbackRole, ref uint quirks, ref HeaderFields fields, out int skip, out string? detail)
    {
        skip = 0;
        detail = null;
        if (givenRole >= 0)
        {
            fields.Role = (Role)givenRole;
            return Outcome.Ok;
        }
        if (words.Count == 0)
        {
            if (!lenient)
            {
                detail = "message header did not contain a role";
                return Outcome.MissingRole;
            }
            quirks |= Bit(HarmonyParseQuirk.MissingRole);
            fields.Role = fallbackRole;
            return Outcome.Ok;
        }
        return ReadRoleWord(all, words, recovered, lenient, fallbackRole, ref quirks, ref fields, out skip, out detail);
    }

    /// <summary>
    /// The first word is a role, or else the name of a tool author (the reference's reading of e.g.
    /// <c>functions.get_weather to=assistant</c>); lenient mode also accepts a lone unknown word as one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Outcome ReadRoleWord(ReadOnlySpan<byte> all, in HeaderWords words, bool recovered, bool lenient,
        Role fallbackRole, ref uint quirks, ref HeaderFields fields, out int skip, out string? detail)
    {
        skip = 0;
        detail = null;
        ByteRange firstRange = words.Firsts[0];
        ReadOnlySpan<byte> first = Slice(all, firstRange);
        if (TryParseRole(first, out Role role))
        {
            if (role == Role.Tool)
                fields.Name = firstRange;
        }
        else if (lenient && recovered)
        {
            // A recovered header without a role is plain content that lost its header: keep every word.
            quirks |= Bit(HarmonyParseQuirk.MissingRole);
            role = fallbackRole;
        }
        else if (words.Count > 1 || first.StartsWith(RecipientPrefix))
        {
            skip = 1;
            role = Role.Tool;
            fields.Name = firstRange;
        }
        else if (!lenient)
        {
            detail = DescribeUnknownRole(first);
            return Outcome.UnknownRole;
        }
        else
        {
            quirks |= Bit(HarmonyParseQuirk.UnknownRole);
            skip = 1;
            role = Role.Tool;
            fields.Name = firstRange;
        }
        fields.Role = role;
        return Outcome.Ok;
    }

    /// <summary>
    /// The reference drops the next word when it equals the role's name: that is how a role word is used up (a
    /// prefilled role may also be spelled out again in the header). Returns the new number of words used up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWordNamingRole(ReadOnlySpan<byte> all, ReadOnlySpan<byte> text, int start, in HeaderWords words,
        int skip, Role role) =>
        skip < words.Count && WordAt(all, text, start, words.Firsts, skip).SequenceEqual(WireName(role)) ? skip + 1 : skip;

    /// <summary>A recovered header has no recipient or content type: every word not used up is message content.</summary>
    private static void MarkRecoveredContent(ReadOnlySpan<byte> text, int start, int end, in HeaderWords words, int skip,
        ref HeaderFields fields)
    {
        fields.ContentPartsStart = skip < words.Count ? WordRangeAt(text, start, words.Firsts, skip).Start : end;
        fields.ContentPartsEnd = end;
    }

    /// <summary>
    /// Reads the words after the author from the end: the last is a <c>to=</c> recipient, a lone recipient, or a
    /// content type preceded by a recipient. Returns how many words are left over (the grammar allows none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadRecipientAndContentType(ReadOnlySpan<byte> all, in HeaderWords words, int skip, bool lenient,
        ref uint quirks, ref HeaderFields fields)
    {
        int count = words.Count - skip;
        ByteRange last = words.Last;
        ReadOnlySpan<byte> lastWord = Slice(all, last);
        if (lastWord.StartsWith(RecipientPrefix))
        {
            fields.Recipient = new ByteRange(last.Start + 3, last.Length - 3);
            return count - 1;
        }
        if (count == 1 && !(lenient && lastWord.StartsWith(ConstrainMarker)))
        {
            // v0.0.8 takes a lone word as the recipient even when it is a constrained content type (later versions
            // changed this); lenient mode reads it as the content type instead.
            fields.Recipient = last;
            return 0;
        }
        fields.ContentType = last;
        if (count == 1)
        {
            quirks |= Bit(HarmonyParseQuirk.ContentTypeWithoutRecipient);
            return 0;
        }
        fields.Recipient = StripRecipientPrefix(all, words.BeforeLast);
        return count - 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string DescribeUnknownRole(ReadOnlySpan<byte> first) => $"Unknown role: {Encoding.UTF8.GetString(first)}";

    /// <summary>The strict error's text names the leftover words the way the reference prints them (<c>Some("a b")</c>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string DescribeLeftoverWords(ReadOnlySpan<byte> text, int skip, int remaining)
    {
        var leftover = new StringBuilder();
        int index = 0;
        for (int pos = 0; NextWord(text, ref pos, out int wordStart, out int wordLength); index++)
        {
            if (index < skip)
                continue;
            if (index >= skip + remaining)
                break;
            if (leftover.Length > 0)
                leftover.Append(' ');
            leftover.Append(Encoding.UTF8.GetString(text.Slice(wordStart, wordLength)));
        }
        return $"unexpected tokens remaining in message header: Some(\"{leftover}\")";
    }

    /// <summary>
    /// Lenient repair of a header with too many words: the first <c>to=</c> word is the recipient wherever it stands,
    /// the first <c>&lt;|constrain|&gt;</c> word (else the last other word) the content type; the rest is dropped.
    /// </summary>
    private static void ResolveLeniently(ReadOnlySpan<byte> all, ReadOnlySpan<byte> text, int start, int skip,
        ref HeaderFields fields, ref uint quirks)
    {
        int recipientIndex = -1, constrainedIndex = -1, lastOther = -1, lastOtherBefore = -1, index = 0;
        ByteRange recipient = ByteRange.Absent, contentType = ByteRange.Absent;
        Span<ByteRange> others = stackalloc ByteRange[2];
        for (int pos = 0; NextWord(text, ref pos, out int wordStart, out int wordLength); index++)
        {
            if (index < skip)
                continue;
            var range = new ByteRange(start + wordStart, wordLength);
            ReadOnlySpan<byte> word = text.Slice(wordStart, wordLength);
            if (recipientIndex < 0 && word.StartsWith(RecipientPrefix))
            {
                recipientIndex = index;
                recipient = new ByteRange(range.Start + 3, range.Length - 3);
            }
            else if (constrainedIndex < 0 && word.StartsWith(ConstrainMarker))
            {
                constrainedIndex = index;
                contentType = range;
            }
            else
            {
                lastOtherBefore = lastOther;
                others[1] = others[0];
                lastOther = index;
                others[0] = range;
            }
        }
        int used = 0;
        if (constrainedIndex < 0 && lastOther >= 0)
        {
            contentType = others[0];
            constrainedIndex = lastOther;
            lastOther = lastOtherBefore;
            others[0] = others[1];
        }
        if (contentType.IsPresent)
            used++;
        if (recipientIndex >= 0)
        {
            quirks |= Bit(HarmonyParseQuirk.MisplacedRecipient);
            used++;
        }
        else if (lastOther >= 0)
        {
            recipient = others[0];
            used++;
        }
        if (index - skip > used)
            quirks |= Bit(HarmonyParseQuirk.ExtraHeaderText);
        fields.Recipient = recipient;
        fields.ContentType = contentType;
    }

    /// <summary>
    /// Lenient normalisation of <c>&lt;|constrain|&gt;</c> spellings (<c>&lt;constrain&gt;</c>, <c>&lt;|constraint|&gt;</c>,
    /// <c>&lt;|constrained|&gt;</c>, missing bars) and of whitespace after the marker. Returns false when nothing changed;
    /// otherwise the normalised header is appended to the store and its range returned.
    /// </summary>
    public static bool NormalizeConstrain(ref HeaderStore store, ref int rawStart, ref int rawEnd)
    {
        ReadOnlySpan<byte> raw = store.Bytes[rawStart..rawEnd];
        bool needed = false;
        for (int i = raw.IndexOf((byte)'<'); i >= 0 && i < raw.Length; i = NextLessThan(raw, i + 1))
        {
            if (MatchConstrain(raw, i, out int length, out bool exact)
                && (!exact || (i + length < raw.Length && IsAsciiWhitespace(raw[i + length]))))
            {
                needed = true;
                break;
            }
        }
        if (!needed)
            return false;

        int newStart = store.Length;
        int at = 0;
        while (at < raw.Length)
        {
            if (raw[at] == '<' && MatchConstrain(raw, at, out int length, out _))
            {
                store.Append(ConstrainMarker);
                at += length;
                int afterSpaces = at;
                while (afterSpaces < raw.Length && IsAsciiWhitespace(raw[afterSpaces]))
                    afterSpaces++;
                if (afterSpaces < raw.Length)
                    at = afterSpaces;
                raw = store.Bytes[rawStart..rawEnd];
                continue;
            }
            store.Append(raw[at]);
            raw = store.Bytes[rawStart..rawEnd];
            at++;
        }
        rawStart = newStart;
        rawEnd = store.Length;
        return true;
    }

    private static int NextLessThan(ReadOnlySpan<byte> raw, int from)
    {
        if (from >= raw.Length)
            return -1;
        int found = raw[from..].IndexOf((byte)'<');
        return found < 0 ? -1 : from + found;
    }

    /// <summary>Matches <c>&lt;|?constrain(t|ed)?|?&gt;</c> at <paramref name="at"/>.</summary>
    private static bool MatchConstrain(ReadOnlySpan<byte> s, int at, out int length, out bool exact)
    {
        length = 0;
        exact = false;
        int i = at + 1;
        bool leadingBar = i < s.Length && s[i] == '|';
        if (leadingBar)
            i++;
        if (!s[i..].StartsWith("constrain"u8))
            return false;
        i += 9;
        bool suffix = false;
        if (s[i..].StartsWith("ed"u8))
        {
            i += 2;
            suffix = true;
        }
        else if (s[i..].StartsWith("t"u8))
        {
            i += 1;
            suffix = true;
        }
        bool trailingBar = i < s.Length && s[i] == '|';
        if (trailingBar)
            i++;
        if (i >= s.Length || s[i] != '>')
            return false;
        length = i + 1 - at;
        exact = leadingBar && trailingBar && !suffix;
        return true;
    }

    /// <summary>Lenient: copies the header without its ill-formed UTF-8 to a new region. Returns false when it was valid.</summary>
    public static bool DropInvalidUtf8(ref HeaderStore store, ref int rawStart, ref int rawEnd)
    {
        if (Utf8Sequence.IsComplete(store.Bytes[rawStart..rawEnd]))
            return false;
        int newStart = store.Length;
        int at = rawStart;
        while (at < rawEnd)
        {
            ReadOnlySpan<byte> raw = store.Bytes[..rawEnd];
            int valid = Utf8Sequence.ValidPrefixLength(raw[at..]);
            if (valid > 0)
            {
                store.Append(store.Bytes.Slice(at, valid));
                at += valid;
                continue;
            }
            Utf8Sequence.Classify(store.Bytes[..rawEnd], at, out int skip);
            at += skip;
        }
        rawStart = newStart;
        rawEnd = store.Length;
        return true;
    }

    /// <summary>The next word: split on ASCII whitespace and before every <c>&lt;|constrain|&gt;</c>.</summary>
    public static bool NextWord(ReadOnlySpan<byte> text, ref int pos, out int start, out int length)
    {
        while (pos < text.Length && IsAsciiWhitespace(text[pos]))
            pos++;
        if (pos >= text.Length)
        {
            start = length = 0;
            return false;
        }
        start = pos++;
        while (pos < text.Length)
        {
            byte b = text[pos];
            if (IsAsciiWhitespace(b) || (b == '<' && text[pos..].StartsWith(ConstrainMarker)))
                break;
            pos++;
        }
        length = pos - start;
        return true;
    }

    private static ReadOnlySpan<byte> WordAt(ReadOnlySpan<byte> all, ReadOnlySpan<byte> text, int start, ReadOnlySpan<ByteRange> firsts, int index) =>
        Slice(all, WordRangeAt(text, start, firsts, index));

    private static ByteRange WordRangeAt(ReadOnlySpan<byte> text, int start, ReadOnlySpan<ByteRange> firsts, int index)
    {
        if (index < firsts.Length)
            return firsts[index];
        int i = 0;
        for (int pos = 0; NextWord(text, ref pos, out int wordStart, out int wordLength); i++)
        {
            if (i == index)
                return new ByteRange(start + wordStart, wordLength);
        }
        return ByteRange.Absent;
    }

    private static ByteRange StripRecipientPrefix(ReadOnlySpan<byte> all, ByteRange word) =>
        Slice(all, word).StartsWith(RecipientPrefix) ? new ByteRange(word.Start + 3, word.Length - 3) : word;

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> all, ByteRange range) =>
        range.IsPresent ? all.Slice(range.Start, range.Length) : default;

    public static bool TryParseRole(ReadOnlySpan<byte> word, out Role role)
    {
        if (word.SequenceEqual("user"u8)) { role = Role.User; return true; }
        if (word.SequenceEqual("assistant"u8)) { role = Role.Assistant; return true; }
        if (word.SequenceEqual("system"u8)) { role = Role.System; return true; }
        if (word.SequenceEqual("developer"u8)) { role = Role.Developer; return true; }
        if (word.SequenceEqual("tool"u8)) { role = Role.Tool; return true; }
        role = default;
        return false;
    }

    public static ReadOnlySpan<byte> WireName(Role role) => role switch
    {
        Role.User => "user"u8,
        Role.Assistant => "assistant"u8,
        Role.System => "system"u8,
        Role.Developer => "developer"u8,
        _ => "tool"u8,
    };

    /// <summary>Rust's <c>str::trim</c>: drops Unicode White_Space at both ends.</summary>
    private static void Trim(ReadOnlySpan<byte> all, ref int start, ref int end)
    {
        while (start < end)
        {
            Rune.DecodeFromUtf8(all[start..end], out Rune rune, out int size);
            if (!IsWhiteSpace(rune.Value))
                break;
            start += size;
        }
        while (end > start)
        {
            Rune.DecodeLastFromUtf8(all[start..end], out Rune rune, out int size);
            if (!IsWhiteSpace(rune.Value))
                break;
            end -= size;
        }
    }

    /// <summary>Rust's <c>u8::is_ascii_whitespace</c>: space, \t, \n, \x0C, \r (not \x0B).</summary>
    public static bool IsAsciiWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or 0x0C or (byte)'\r';

    /// <summary>Unicode White_Space, as Rust's <c>char::is_whitespace</c>.</summary>
    public static bool IsWhiteSpace(int c) => c switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    public static uint Bit(HarmonyParseQuirk quirk) => 1u << (int)quirk;

    /// <summary>What the grammar needs to know of a header's words, gathered in one pass.</summary>
    private struct HeaderWords
    {
        /// <summary>
        /// At most two leading words are used up (a tool author's name, then a word naming the role), so the word
        /// after them, the first one the rest of the grammar reads, is always among the first three.
        /// </summary>
        public const int FirstCount = 3;

        public int Count;
        public FirstWords Firsts;
        public ByteRange Last;
        public ByteRange BeforeLast;
    }

    [InlineArray(HeaderWords.FirstCount)]
    private struct FirstWords
    {
        private ByteRange _element;
    }
}
