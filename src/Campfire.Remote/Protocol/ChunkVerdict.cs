namespace Campfire.Remote.Protocol;

/// <summary>What <see cref="RemoteChunkReader.Review"/> makes of one event.</summary>
public enum ChunkVerdict
{
    /// <summary>The event stands: its ids go to the caller and its finish reason counts.</summary>
    Accept,

    /// <summary>
    /// The server does not support the backend's preferred request (vLLM older than 0.10.2 ignores
    /// <c>return_token_ids</c>): the generator remembers this for the replica and sends the request again with
    /// <see cref="RemoteGenerationRequest.UseFallback"/>. Only valid before the first token.
    /// </summary>
    ResendWithFallback,
}
