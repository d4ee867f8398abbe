using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Parsing;

/// <summary>
/// The input breaks the Harmony grammar (or a limit). <see cref="TokenIndex"/> is the index of the offending token
/// (a byte offset for text input); the parser's state is left as it was before that token, and the messages
/// completed before it are in <see cref="CompletedMessages"/> (batch APIs) so no parsed data is lost.
/// </summary>
public sealed class HarmonyParseException : HarmonyException
{
    public HarmonyParseException(HarmonyParseError error, long tokenIndex, HarmonyParseState state, string detail)
        : base($"token {tokenIndex} (state {state}): {detail}")
    {
        Error = error;
        TokenIndex = tokenIndex;
        State = state;
        Detail = detail;
    }

    private HarmonyParseException(HarmonyParseException inner, ImmutableArray<Message> completed)
        : base(inner.Message, inner)
    {
        Error = inner.Error;
        TokenIndex = inner.TokenIndex;
        State = inner.State;
        Detail = inner.Detail;
        CompletedMessages = completed;
    }

    public HarmonyParseError Error { get; }
    public long TokenIndex { get; }
    public HarmonyParseState State { get; }

    /// <summary>The problem, without the position prefix.</summary>
    public string Detail { get; }

    /// <summary>The messages completed before the error (filled by the batch parsers; empty from the stream parser).</summary>
    public ImmutableArray<Message> CompletedMessages { get; } = [];

    internal HarmonyParseException WithCompletedMessages(ImmutableArray<Message> completed) => new(this, completed);
}
