using System.Collections.Immutable;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// The named special tokens of o200k_harmony: each id as a constant (so that it can be a <c>case</c> label) and, in
/// <see cref="Named"/>, each id with its literal. This is the only table of them: the tokenizer's special-token table
/// and the text renderer are built from it, and a test holds native/include/campfire.h to it. A new special token is
/// one constant and one <see cref="Named"/> entry here.
/// </summary>
public static class HarmonyTokens
{
    /// <summary><c>&lt;|startoftext|&gt;</c>, inherited from o200k_base; not part of the Harmony message grammar.</summary>
    public const int StartOfText = 199998;

    /// <summary><c>&lt;|endoftext|&gt;</c>, inherited from o200k_base; not part of the Harmony message grammar.</summary>
    public const int EndOfText = 199999;

    /// <summary><c>&lt;|return|&gt;</c>: ends the assistant's final answer; sampling stops there.</summary>
    public const int Return = 200002;

    /// <summary><c>&lt;|constrain|&gt;</c>: in a header, starts the content type the recipient expects (e.g. <c>json</c>).</summary>
    public const int Constrain = 200003;

    /// <summary><c>&lt;|channel|&gt;</c>: in a header, precedes the channel name (analysis, commentary, final).</summary>
    public const int Channel = 200005;

    /// <summary><c>&lt;|start|&gt;</c>: opens a message; its header (role, recipient, channel) follows.</summary>
    public const int Start = 200006;

    /// <summary><c>&lt;|end|&gt;</c>: closes a message.</summary>
    public const int End = 200007;

    /// <summary><c>&lt;|message|&gt;</c>: closes the header; the content follows.</summary>
    public const int Message = 200008;

    /// <summary><c>&lt;|call|&gt;</c>: closes an assistant message addressed to a tool; sampling stops there.</summary>
    public const int Call = 200012;

    /// <summary><c>&lt;|endofprompt|&gt;</c>, inherited from o200k_base (its reserved spelling is accepted too); not part of the Harmony message grammar.</summary>
    public const int EndOfPrompt = 200018;

    /// <summary>First special id; every id below it is an ordinary (BPE-ranked) token.</summary>
    public const int FirstSpecial = 199998;

    /// <summary>Number of ids: 199,998 ordinary ranks plus the specials; <c>&lt;|reserved_N|&gt;</c> fills the gaps up to 201,087.</summary>
    public const int VocabularySize = 201088;

    /// <summary>Every named special token with its literal, in id order; every other special id is <c>&lt;|reserved_N|&gt;</c>.</summary>
    public static ImmutableArray<SpecialToken> Named { get; } =
    [
        new(StartOfText, "<|startoftext|>"),
        new(EndOfText, "<|endoftext|>"),
        new(Return, "<|return|>"),
        new(Constrain, "<|constrain|>"),
        new(Channel, "<|channel|>"),
        new(Start, "<|start|>"),
        new(End, "<|end|>"),
        new(Message, "<|message|>"),
        new(Call, "<|call|>"),
        new(EndOfPrompt, "<|endofprompt|>"),
    ];
}
