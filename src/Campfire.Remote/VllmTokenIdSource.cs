namespace Campfire.Remote;

/// <summary>How a vLLM endpoint is asked for the generated token ids.</summary>
public enum VllmTokenIdSource
{
    /// <summary>
    /// Ask with <c>return_token_ids</c> (vLLM 0.10.2+); if the first streamed choice comes back without
    /// <c>token_ids</c>, the endpoint is remembered as older and the request is re-sent with the logprobs fallback
    /// (before any token reached the caller, so nothing is duplicated).
    /// </summary>
    Auto,

    /// <summary><c>return_token_ids: true</c>; a choice without <c>token_ids</c> is a protocol error.</summary>
    ReturnTokenIds,

    /// <summary><c>logprobs: 0</c> + <c>return_tokens_as_token_ids: true</c>: ids come back as "token_id:N" strings.</summary>
    Logprobs,
}
