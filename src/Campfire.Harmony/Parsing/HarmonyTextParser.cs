using System.Buffers;
using System.IO.Pipelines;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// Parses a completion given as UTF-8 Harmony text (servers that stream text rather than ids) into the same messages
/// as <see cref="HarmonyCompletionParser"/>. Special-token literals such as <c>&lt;|channel|&gt;</c> are recognised
/// even when a read ends in the middle of one; everything else is content or header text, exactly as the bytes of
/// ordinary tokens would be. Positions in errors and diagnostics are byte offsets.
/// </summary>
/// <remarks>
/// Text cannot tell a special token from the same characters typed as ordinary text: every literal that names a
/// special token is taken as that token (as <c>encode(..., allowed_special="all")</c> does).
/// </remarks>
public static class HarmonyTextParser
{
    // Longest special literal is "<|reserved_201087|>" (19 bytes); names are [a-z0-9_].
    private const int MaxLiteralLength = 32;

    /// <summary>Reads <paramref name="reader"/> to its end and parses what it held.</summary>
    public static async ValueTask<HarmonyParseResult> ParseAsync(PipeReader reader, Role? prefillRole, ParseMode mode,
        HarmonyParserLimits limits = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var session = new Session(mode, prefillRole, limits);
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            long used = session.Process(buffer, result.IsCompleted);
            reader.AdvanceTo(buffer.GetPosition(used), buffer.End);
            if (result.IsCompleted || result.IsCanceled)
                break;
        }
        return session.Finish();
    }

    /// <summary>Parses UTF-8 Harmony text held in memory.</summary>
    public static HarmonyParseResult Parse(ReadOnlySpan<byte> utf8Text, Role? prefillRole, ParseMode mode, HarmonyParserLimits limits = default)
    {
        var session = new Session(mode, prefillRole, limits);
        session.ProcessSpan(utf8Text, isFinal: true);
        return session.Finish();
    }

    private sealed class Session(ParseMode mode, Role? prefillRole, HarmonyParserLimits limits)
    {
        private HarmonyStreamParser _parser = new(mode, prefillRole, limits);
        private readonly HarmonyMessageCollector _collector = new();

        public long Process(ReadOnlySequence<byte> buffer, bool isFinal)
        {
            if (buffer.IsSingleSegment)
                return ProcessSpan(buffer.FirstSpan, isFinal);
            // A literal may straddle segments: work on one contiguous copy.
            int length = checked((int)buffer.Length);
            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                buffer.CopyTo(rented);
                return ProcessSpan(rented.AsSpan(0, length), isFinal);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        /// <summary>Parses what it can; returns how many bytes were used (a possible literal at the end waits).</summary>
        public int ProcessSpan(ReadOnlySpan<byte> text, bool isFinal)
        {
            try
            {
                int runStart = 0;
                int position = 0;
                while (position < text.Length)
                {
                    int found = text[position..].IndexOf((byte)'<');
                    if (found < 0)
                        break;
                    int at = position + found;
                    switch (MatchLiteral(text, at, isFinal, out int token, out int literalLength))
                    {
                        case Match.NeedMore:
                            FeedText(text[runStart..at]);
                            return at;
                        case Match.Special:
                            FeedText(text[runStart..at]);
                            FeedSpecial(token, literalLength);
                            position = runStart = at + literalLength;
                            continue;
                        default:
                            position = at + 1;
                            continue;
                    }
                }
                FeedText(text[runStart..]);
                return text.Length;
            }
            catch (HarmonyParseException e)
            {
                throw e.WithCompletedMessages(_collector.Messages);
            }
        }

        public HarmonyParseResult Finish()
        {
            try
            {
                HarmonyParserEventKind kind;
                while ((kind = _parser.ReadEndOfStream()) != HarmonyParserEventKind.None)
                    _collector.Handle(ref _parser, kind);
            }
            catch (HarmonyParseException e)
            {
                throw e.WithCompletedMessages(_collector.Messages);
            }
            return new HarmonyParseResult(_collector.Messages, _collector.Diagnostics);
        }

        private void FeedText(ReadOnlySpan<byte> run)
        {
            while (!run.IsEmpty)
            {
                var kind = _parser.ReadText(run, out int used);
                if (kind == HarmonyParserEventKind.None)
                    return;
                _collector.Handle(ref _parser, kind, kind == HarmonyParserEventKind.ContentDelta ? _parser.ContentDeltaIn(run) : default);
                run = run[used..];
            }
            HarmonyParserEventKind pending;
            while ((pending = _parser.Read()) != HarmonyParserEventKind.None)
                _collector.Handle(ref _parser, pending);
        }

        private void FeedSpecial(int token, int literalLength)
        {
            var kind = _parser.ReadSpecial(token, literalLength);
            while (kind != HarmonyParserEventKind.None)
            {
                _collector.Handle(ref _parser, kind);
                kind = _parser.Read();
            }
        }
    }

    private enum Match : byte { NotLiteral, Special, NeedMore }

    private static Match MatchLiteral(ReadOnlySpan<byte> text, int at, bool isFinal, out int token, out int length)
    {
        token = 0;
        length = 0;
        int i = at + 1;
        if (i >= text.Length)
            return isFinal ? Match.NotLiteral : Match.NeedMore;
        if (text[i] != '|')
            return Match.NotLiteral;
        for (i++; i < text.Length && i - at < MaxLiteralLength; i++)
        {
            byte b = text[i];
            if (b == '|')
            {
                if (i + 1 >= text.Length)
                    return isFinal ? Match.NotLiteral : Match.NeedMore;
                if (text[i + 1] != '>')
                    return Match.NotLiteral;
                int literalLength = i + 2 - at;
                Span<char> chars = stackalloc char[MaxLiteralLength];
                for (int c = 0; c < literalLength; c++)
                    chars[c] = (char)text[at + c];
                if (!O200kHarmonyTokenizer.Instance.TryGetSpecialTokenId(chars[..literalLength], out token))
                    return Match.NotLiteral;
                length = literalLength;
                return Match.Special;
            }
            if (!(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'_'))
                return Match.NotLiteral;
        }
        if (i - at >= MaxLiteralLength)
            return Match.NotLiteral;
        return isFinal ? Match.NotLiteral : Match.NeedMore;
    }
}
