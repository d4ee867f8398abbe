using System.Text;
using Campfire.Harmony.Model;

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
    /// <param name="givenRole">The prefilled role, or -1 to read the role from the header.</param>
    /// <param name="recovered">True for a header that a stop token ended: no recipient/content type, the words left are content.</param>
    public static Outcome Parse(ref HeaderStore store, int rawStart, int rawEnd, int givenRole, bool recovered,
        bool lenient, Role fallbackRole, ref uint quirks, out HeaderFields fields, out string? detail)
    {
        fields = HeaderFields.Empty(Role.Assistant);
        detail = null;
        int start, end;
        {
            ReadOnlySpan<byte> raw = store.Bytes[rawStart..rawEnd];
            int marker = raw.IndexOf(ChannelMarker);
            if (marker >= 0)
            {
                int valueStart = marker + ChannelMarker.Length;
                int valueEnd = valueStart;
                while (valueEnd < raw.Length)
                {
                    Rune.DecodeFromUtf8(raw[valueEnd..], out Rune rune, out int size);
                    if (rune.Value == '<' || IsWhiteSpace(rune.Value))
                        break;
                    valueEnd += size;
                }
                if (valueEnd == valueStart)
                {
                    if (!lenient)
                    {
                        detail = "channel marker present but no channel value found in header";
                        return Outcome.EmptyChannel;
                    }
                    quirks |= Bit(HarmonyParseQuirk.EmptyChannel);
                }
                else
                {
                    fields.Channel = new ByteRange(rawStart + valueStart, valueEnd - valueStart);
                }
                // The rest of the header is what precedes the marker joined to what follows the channel name: copy
                // it to a scratch region so that words joined across the cut are seen as one, as the reference does.
                start = store.Length;
                store.Append(store.Bytes.Slice(rawStart, marker));
                store.Append(store.Bytes.Slice(rawStart + valueEnd, raw.Length - valueEnd));
                end = store.Length;
            }
            else
            {
                start = rawStart;
                end = rawEnd;
            }
        }

        ReadOnlySpan<byte> all = store.Bytes;
        Trim(all, ref start, ref end);
        ReadOnlySpan<byte> text = all[start..end];

        // One pass: the number of words, the first three and the last two.
        int count = 0;
        Span<ByteRange> firsts = stackalloc ByteRange[3];
        ByteRange last = ByteRange.Absent, beforeLast = ByteRange.Absent;
        for (int pos = 0; NextWord(text, ref pos, out int wordStart, out int wordLength);)
        {
            var word = new ByteRange(start + wordStart, wordLength);
            if (count < 3)
                firsts[count] = word;
            beforeLast = last;
            last = word;
            count++;
        }

        int skip = 0;
        Role role;
        if (givenRole >= 0)
        {
            role = (Role)givenRole;
        }
        else if (count == 0)
        {
            if (!lenient)
            {
                detail = "message header did not contain a role";
                return Outcome.MissingRole;
            }
            quirks |= Bit(HarmonyParseQuirk.MissingRole);
            role = fallbackRole;
        }
        else
        {
            ReadOnlySpan<byte> first = Slice(all, firsts[0]);
            if (TryParseRole(first, out role))
            {
                if (role == Role.Tool)
                    fields.Name = firsts[0];
            }
            else if (lenient && recovered)
            {
                // A recovered header without a role is plain content that lost its header: keep every word.
                quirks |= Bit(HarmonyParseQuirk.MissingRole);
                role = fallbackRole;
            }
            else if (count > 1 || first.StartsWith(RecipientPrefix))
            {
                skip = 1;
                role = Role.Tool;
                fields.Name = firsts[0];
            }
            else if (!lenient)
            {
                detail = $"Unknown role: {Encoding.UTF8.GetString(first)}";
                return Outcome.UnknownRole;
            }
            else
            {
                quirks |= Bit(HarmonyParseQuirk.UnknownRole);
                skip = 1;
                role = Role.Tool;
                fields.Name = firsts[0];
            }
        }
        fields.Role = role;

        if (skip < count && WordAt(all, text, start, firsts, skip).SequenceEqual(WireName(role)))
            skip++;

        if (recovered)
        {
            fields.ContentPartsStart = skip < count ? WordRangeAt(text, start, firsts, skip).Start : end;
            fields.ContentPartsEnd = end;
            return Outcome.Ok;
        }
        if (skip >= count)
            return Outcome.Ok;

        int words = count - skip;
        ReadOnlySpan<byte> lastWord = Slice(all, last);
        int remaining;
        if (lastWord.StartsWith(RecipientPrefix))
        {
            fields.Recipient = new ByteRange(last.Start + 3, last.Length - 3);
            remaining = words - 1;
        }
        else if (words == 1 && !(lenient && lastWord.StartsWith(ConstrainMarker)))
        {
            // v0.0.8 takes a lone word as the recipient even when it is a constrained content type (later versions
            // changed this); lenient mode reads it as the content type instead.
            fields.Recipient = last;
            remaining = 0;
        }
        else if (words == 1)
        {
            quirks |= Bit(HarmonyParseQuirk.ContentTypeWithoutRecipient);
            fields.ContentType = last;
            remaining = 0;
        }
        else
        {
            fields.ContentType = last;
            remaining = 0;
            if (words >= 2)
            {
                fields.Recipient = StripRecipientPrefix(all, beforeLast);
                remaining = words - 2;
            }
        }
        if (remaining == 0)
            return Outcome.Ok;

        if (!lenient)
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
            detail = $"unexpected tokens remaining in message header: Some(\"{leftover}\")";
            return Outcome.UnexpectedHeaderText;
        }
        ResolveLeniently(all, text, start, skip, ref fields, ref quirks);
        return Outcome.Ok;
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
        if (Utf8Scanner.IsComplete(store.Bytes[rawStart..rawEnd]))
            return false;
        int newStart = store.Length;
        int at = rawStart;
        while (at < rawEnd)
        {
            ReadOnlySpan<byte> raw = store.Bytes[..rawEnd];
            int valid = Utf8Scanner.ValidPrefixLength(raw[at..]);
            if (valid > 0)
            {
                store.Append(store.Bytes.Slice(at, valid));
                at += valid;
                continue;
            }
            Utf8Scanner.Classify(store.Bytes[..rawEnd], at, out int skip);
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
}
