namespace Campfire.Harmony.Constraints;

/// <summary>What a message's content may be, decided by its header: free text or a JSON value of a schema node, and
/// which terminators may close it.</summary>
/// <param name="SchemaRoot">The JSON schema node of a tool call's arguments, or -1 for free text.</param>
/// <param name="AllowEnd"><c>&lt;|end|&gt;</c> may close it (then another message follows).</param>
/// <param name="AllowReturn"><c>&lt;|return|&gt;</c> may close it (a final answer).</param>
/// <param name="AllowCall"><c>&lt;|call|&gt;</c> may close it (a message to a tool; for JSON, once the value is complete).</param>
internal readonly record struct MessageRule(int SchemaRoot, bool AllowEnd, bool AllowReturn, bool AllowCall)
{
    public bool IsJson => SchemaRoot >= 0;
}
