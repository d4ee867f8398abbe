namespace Campfire.Remote.Protocol;

/// <summary>Why the server says a generation ended, in any backend's vocabulary.</summary>
public enum RemoteFinishReason : byte
{
    /// <summary>Not finished yet (more events follow).</summary>
    None,

    /// <summary>A stop token / stop string / EOS.</summary>
    Stop,

    /// <summary>The token limit.</summary>
    Length,

    /// <summary>The server aborted the request (SGLang "abort", vLLM "abort").</summary>
    Abort,

    /// <summary>Any other reason string.</summary>
    Other,
}
