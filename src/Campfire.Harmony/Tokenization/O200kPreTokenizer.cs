using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Splits text into the pieces o200k_base's regular expression would match, without running a regex:
/// <code>
/// A1 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
/// A2 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
/// A3 \p{N}{1,3}
/// A4  ?[^\s\p{L}\p{N}]+[\r\n/]*
/// A5 \s*[\r\n]+
/// A6 \s+(?!\S)
/// A7 \s+
/// </code>
/// Classes are evaluated per UTF-16 code unit with .NET's Unicode tables, exactly as System.Text.RegularExpressions
/// (which Microsoft.ML.Tokenizers runs) does: a surrogate is category Cs, so a supplementary-plane letter or emoji
/// falls in the "other" classes. Each alternative is resolved with the same leftmost, greedy-then-backtrack order
/// the regex engine uses; every branch scans each char a bounded number of times, so splitting is linear.
/// </summary>
internal static class O200kPreTokenizer
{
    private const byte Letter = 1;        // \p{L}
    private const byte Number = 2;        // \p{N}
    private const byte Space = 4;         // \s
    private const byte UpperLike = 8;     // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    private const byte LowerLike = 16;    // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    private const byte NewLine = 32;      // [\r\n]

    private static readonly byte[] Classes = BuildClasses();

    private static byte[] BuildClasses()
    {
        var table = new byte[char.MaxValue + 1];
        for (int c = 0; c <= char.MaxValue; c++)
        {
            byte flags = 0;
            switch (CharUnicodeInfo.GetUnicodeCategory((char)c))
            {
                case UnicodeCategory.UppercaseLetter:
                case UnicodeCategory.TitlecaseLetter:
                    flags = Letter | UpperLike;
                    break;
                case UnicodeCategory.LowercaseLetter:
                    flags = Letter | LowerLike;
                    break;
                case UnicodeCategory.ModifierLetter:
                case UnicodeCategory.OtherLetter:
                    flags = Letter | UpperLike | LowerLike;
                    break;
                case UnicodeCategory.NonSpacingMark:
                case UnicodeCategory.SpacingCombiningMark:
                case UnicodeCategory.EnclosingMark:
                    flags = UpperLike | LowerLike;
                    break;
                case UnicodeCategory.DecimalDigitNumber:
                case UnicodeCategory.LetterNumber:
                case UnicodeCategory.OtherNumber:
                    flags = Number;
                    break;
            }
            if (char.IsWhiteSpace((char)c))
                flags |= Space;
            if (c is '\r' or '\n')
                flags |= NewLine;
            table[c] = flags;
        }
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ClassOf(char c)
    {
        Debug.Assert(Classes.Length == char.MaxValue + 1, "every char has a class");
        return Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Classes), c);
    }

    /// <summary>[^\r\n\p{L}\p{N}]: the optional one-char prefix of a word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWordPrefix(byte c) => (c & (Letter | Number | NewLine)) == 0;

    /// <summary>[^\s\p{L}\p{N}]: punctuation, symbols, marks, controls and surrogates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsOther(byte c) => (c & (Letter | Number | Space)) == 0;

    /// <summary>
    /// True when the text may be cut before <paramref name="at"/> without changing any piece: the char before is a
    /// letter (so the piece holding it is a word that ends there, unless a contraction follows) and the char at it is
    /// neither a letter, a mark nor an apostrophe. Splitting <c>text[..at]</c> and <c>text[at..]</c> separately then
    /// gives exactly the pieces of the whole text, since no alternative reads past a word's first non-letter except
    /// for a contraction. With <paramref name="specialLiterals"/>, only a cut at whitespace or a non-ASCII char is
    /// taken, so a cut never falls inside a special-token literal (they are ASCII without whitespace).
    /// </summary>
    public static bool IsSafeCut(ReadOnlySpan<char> text, int at, bool specialLiterals)
    {
        if (at <= 0 || at >= text.Length)
            return false;
        if ((ClassOf(text[at - 1]) & Letter) == 0)
            return false;
        char next = text[at];
        byte c = ClassOf(next);
        if ((c & (Letter | UpperLike | LowerLike)) != 0 || next == '\'')
            return false;
        return !specialLiterals || (c & Space) != 0 || next >= 0x80;
    }

    /// <summary>Returns the end (exclusive) of the piece that starts at <paramref name="start"/>; the span's end is the text's end.</summary>
    public static int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        int length = text.Length;
        byte first = ClassOf(text[start]);

        if ((first & (Letter | UpperLike)) != 0 || (IsWordPrefix(first) && start + 1 < length && (ClassOf(text[start + 1]) & (Letter | UpperLike)) != 0))
        {
            int end = MatchWord(text, start, first);
            if (end > 0)
                return end;
        }

        if ((first & Number) != 0)
        {
            int end = start + 1;
            while (end < length && end - start < 3 && (ClassOf(text[end]) & Number) != 0)
                end++;
            return end;
        }

        int punctuationStart = -1;
        if (IsOther(first))
            punctuationStart = start;
        else if (text[start] == ' ' && start + 1 < length && IsOther(ClassOf(text[start + 1])))
            punctuationStart = start + 1;
        if (punctuationStart >= 0)
        {
            int end = punctuationStart + 1;
            while (end < length && IsOther(ClassOf(text[end])))
                end++;
            while (end < length && text[end] is '\r' or '\n' or '/')
                end++;
            return end;
        }

        if ((first & Space) != 0)
        {
            int runEnd = start + 1;
            int lastNewLine = (first & NewLine) != 0 ? start : -1;
            while (runEnd < length)
            {
                byte c = ClassOf(text[runEnd]);
                if ((c & Space) == 0)
                    break;
                if ((c & NewLine) != 0)
                    lastNewLine = runEnd;
                runEnd++;
            }
            if (lastNewLine >= 0)
                return lastNewLine + 1;       // A5: \s*[\r\n]+ backtracks to the run's last line break
            if (runEnd == length)
                return runEnd;                // A6 at the end of the text
            if (runEnd - 1 > start)
                return runEnd - 1;            // A6: leave the last space to prefix the following word
            return runEnd;                    // A7
        }

        // Every char belongs to one of the branches above; this only guards against a table inconsistency.
        return start + 1;
    }

    /// <summary>A1 then A2 (each first with, then without, the one-char prefix); returns 0 when neither matches.</summary>
    private static int MatchWord(ReadOnlySpan<char> text, int start, byte first)
    {
        int end;
        bool hasPrefix = IsWordPrefix(first) && start + 1 < text.Length;
        if (hasPrefix && (end = MatchLowerTailedWord(text, start + 1)) > 0)
            return end;
        if ((end = MatchLowerTailedWord(text, start)) > 0)
            return end;
        if (hasPrefix && (end = MatchUpperHeadedWord(text, start + 1)) > 0)
            return end;
        return MatchUpperHeadedWord(text, start);
    }

    /// <summary>A1 body from <paramref name="from"/>: upper-like* then lower-like+ (with backtracking), then a contraction.</summary>
    private static int MatchLowerTailedWord(ReadOnlySpan<char> text, int from)
    {
        int length = text.Length;
        int upperEnd = from;
        while (upperEnd < length && (ClassOf(text[upperEnd]) & UpperLike) != 0)
            upperEnd++;

        // The greedy upper-like run gives back chars until a lower-like char can start the lower-like run.
        int lowerStart = -1;
        if (upperEnd < length && (ClassOf(text[upperEnd]) & LowerLike) != 0)
        {
            lowerStart = upperEnd;
        }
        else
        {
            for (int q = upperEnd - 1; q >= from; q--)
            {
                if ((ClassOf(text[q]) & LowerLike) != 0)
                {
                    lowerStart = q;
                    break;
                }
            }
        }
        if (lowerStart < 0)
            return 0;

        int end = lowerStart + 1;
        while (end < length && (ClassOf(text[end]) & LowerLike) != 0)
            end++;
        return end + ContractionLength(text, end);
    }

    /// <summary>A2 body from <paramref name="from"/>: upper-like+ then lower-like*, then a contraction.</summary>
    private static int MatchUpperHeadedWord(ReadOnlySpan<char> text, int from)
    {
        int length = text.Length;
        if (from >= length || (ClassOf(text[from]) & UpperLike) == 0)
            return 0;
        int end = from + 1;
        while (end < length && (ClassOf(text[end]) & UpperLike) != 0)
            end++;
        while (end < length && (ClassOf(text[end]) & LowerLike) != 0)
            end++;
        return end + ContractionLength(text, end);
    }

    /// <summary>(?i:'s|'t|'re|'ve|'m|'ll|'d) at <paramref name="at"/>: 0, 2 or 3 chars. Only ASCII letters fold here (.NET maps no other char to these).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ContractionLength(ReadOnlySpan<char> text, int at)
    {
        if (at + 1 >= text.Length || text[at] != '\'')
            return 0;
        switch (text[at + 1] | 0x20)
        {
            case 's':
            case 't':
            case 'm':
            case 'd':
                return 2;
            case 'r':
                return at + 2 < text.Length && (text[at + 2] | 0x20) == 'e' ? 3 : 0;
            case 'v':
                return at + 2 < text.Length && (text[at + 2] | 0x20) == 'e' ? 3 : 0;
            case 'l':
                return at + 2 < text.Length && (text[at + 2] | 0x20) == 'l' ? 3 : 0;
            default:
                return 0;
        }
    }
}
