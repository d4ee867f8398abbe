namespace Campfire.Harmony.Parsing;

/// <summary>How a message ended.</summary>
public enum MessageTerminator : byte
{
    /// <summary><c>&lt;|end|&gt;</c>.</summary>
    End,

    /// <summary><c>&lt;|call|&gt;</c>: the assistant calls a tool.</summary>
    Call,

    /// <summary><c>&lt;|return|&gt;</c>: the assistant is done.</summary>
    Return,

    /// <summary>The input ended inside the content (e.g. the token limit was reached).</summary>
    EndOfStream,

    /// <summary>Lenient mode: a <c>&lt;|start|&gt;</c> arrived inside the content, so the message ended without a stop token.</summary>
    Implicit,
}
