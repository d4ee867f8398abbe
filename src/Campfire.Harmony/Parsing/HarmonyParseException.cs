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
    /// <summary>Creates the error the parsers throw; <see cref="Exception.Message"/> prefixes the detail with the position and state.</summary>
    /// <param name="error">What kind of problem it is.</param>
    /// <param name="tokenIndex">Index of the offending token (byte offset for text input).</param>
    /// <param name="state">Where the state machine stood when the offending token arrived.</param>
    /// <param name="detail">The problem in words, without the position (kept as <see cref="Detail"/>).</param>
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

    /// <summary>What kind of problem it is, for callers that branch on it instead of reading the message.</summary>
    public HarmonyParseError Error { get; }

    /// <summary>
    /// Index of the offending token (a byte offset for text input): everything before it was parsed, so a caller can
    /// point at the exact place in the model's output.
    /// </summary>
    public long TokenIndex { get; }

    /// <summary>Where the state machine stood when the offending token arrived (between messages, in a header, in content).</summary>
    public HarmonyParseState State { get; }

    /// <summary>The problem, without the position prefix.</summary>
    public string Detail { get; }

    /// <summary>The messages completed before the error (filled by the batch parsers; empty from the stream parser).</summary>
    public ImmutableArray<Message> CompletedMessages { get; } = [];

    internal HarmonyParseException WithCompletedMessages(ImmutableArray<Message> completed) => new(this, completed);
}
