namespace Campfire.Remote.Protocol;

/// <summary>
/// What one streamed event said, apart from the ids (those go to a <see cref="TokenIdBuffer"/>). A mutable struct
/// reused across events, so that reading a stream does not allocate per token.
/// </summary>
public struct StreamChunk
{
    /// <summary>vLLM: the event held a choice (text and/or token fields). SGLang: always true for a data object.</summary>
    public bool HasChoice;

    /// <summary>The event carried the requested id field (token_ids, logprobs.tokens or output_ids), even if empty.</summary>
    public bool HasTokenIds;

    /// <summary>The choice's text was non-empty (so ids were expected).</summary>
    public bool HasText;

    /// <summary>The finish reason the event carried; <see cref="RemoteFinishReason.None"/> while the generation goes on.</summary>
    public RemoteFinishReason Finish;

    /// <summary>The stop token id the server reports (vLLM stop_reason, SGLang finish_reason.matched); -1 if none.</summary>
    public int MatchedStopTokenId;

    /// <summary>SGLang meta_info.completion_tokens (cumulative); -1 when absent.</summary>
    public int CompletionTokens;

    /// <summary>The server's error message when the event is an error object; null otherwise.</summary>
    public string? ErrorMessage;

    /// <summary>Back to "nothing said": what a parser does before reading the next event into the same chunk.</summary>
    public void Reset()
    {
        HasChoice = false;
        HasTokenIds = false;
        HasText = false;
        Finish = RemoteFinishReason.None;
        MatchedStopTokenId = -1;
        CompletionTokens = -1;
        ErrorMessage = null;
    }
}
