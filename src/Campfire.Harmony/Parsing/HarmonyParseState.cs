namespace Campfire.Harmony.Parsing;

/// <summary>Where the state machine stands (the reference's <c>StreamState</c>).</summary>
public enum HarmonyParseState : byte
{
    /// <summary>Between messages: waiting for <c>&lt;|start|&gt;</c>.</summary>
    ExpectStart,

    /// <summary>Inside a header, before <c>&lt;|message|&gt;</c>.</summary>
    Header,

    /// <summary>Inside a message's content.</summary>
    Content,
}
