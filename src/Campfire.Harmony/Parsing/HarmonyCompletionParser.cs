using Campfire.Harmony.Model;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// Parses a whole completion (token ids) into messages: openai/harmony's
/// <c>parse_messages_from_completion_tokens</c>, on top of <see cref="HarmonyStreamParser"/>.
/// </summary>
public static class HarmonyCompletionParser
{
    /// <summary>Parses <paramref name="tokens"/> followed by the end of the stream.</summary>
    /// <param name="tokens">The completion's token ids (o200k_harmony), as sampled: the whole output, not a prefix.</param>
    /// <param name="prefillRole">The role whose <c>&lt;|start|&gt;role</c> prefill preceded the completion (null: none).</param>
    /// <param name="mode">How deviations from the grammar are handled (see <see cref="ParseMode"/>).</param>
    /// <param name="limits">Header and message size limits (default: generous).</param>
    /// <exception cref="HarmonyParseException">
    /// The tokens break the grammar (strict/non-strict) or a limit; <see cref="HarmonyParseException.CompletedMessages"/>
    /// holds the messages completed before the error.
    /// </exception>
    public static HarmonyParseResult Parse(ReadOnlySpan<int> tokens, Role? prefillRole, ParseMode mode, HarmonyParserLimits limits = default)
    {
        var parser = new HarmonyStreamParser(mode, prefillRole, limits);
        var collector = new HarmonyMessageCollector();
        try
        {
            int position = 0;
            while (true)
            {
                var kind = parser.Read(tokens[position..], out int consumed);
                position += consumed;
                if (kind == HarmonyParserEventKind.None)
                    break;
                collector.Handle(ref parser, kind);
            }
            HarmonyParserEventKind end;
            while ((end = parser.ReadEndOfStream()) != HarmonyParserEventKind.None)
                collector.Handle(ref parser, end);
        }
        catch (HarmonyParseException e)
        {
            throw e.WithCompletedMessages(collector.Messages);
        }
        return new HarmonyParseResult(collector.Messages, collector.Diagnostics);
    }

    /// <summary>Like <see cref="Parse"/>, but reports a grammar error instead of throwing.</summary>
    /// <param name="tokens">The completion's token ids (o200k_harmony), as sampled: the whole output, not a prefix.</param>
    /// <param name="prefillRole">The role whose <c>&lt;|start|&gt;role</c> prefill preceded the completion (null: none).</param>
    /// <param name="mode">How deviations from the grammar are handled (see <see cref="ParseMode"/>).</param>
    /// <param name="result">
    /// Everything parsed; on failure, the messages completed before the error (and no diagnostics), so a caller can
    /// still use the output that came before a malformed tail.
    /// </param>
    /// <param name="error">The error when the tokens break the grammar or a limit; null on success.</param>
    /// <param name="limits">Header and message size limits (default: generous).</param>
    /// <returns>True when the whole completion parsed.</returns>
    public static bool TryParse(ReadOnlySpan<int> tokens, Role? prefillRole, ParseMode mode, out HarmonyParseResult result,
        out HarmonyParseException? error, HarmonyParserLimits limits = default)
    {
        try
        {
            result = Parse(tokens, prefillRole, mode, limits);
            error = null;
            return true;
        }
        catch (HarmonyParseException e)
        {
            result = new HarmonyParseResult(e.CompletedMessages, []);
            error = e;
            return false;
        }
    }
}
