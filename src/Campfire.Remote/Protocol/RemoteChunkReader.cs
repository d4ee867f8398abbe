namespace Campfire.Remote.Protocol;

/// <summary>
/// Turns the events of one response stream into token ids, for one <see cref="RemoteBackend"/>. A new reader is made
/// per response because some protocols spread meaning over events (SGLang's cumulative ids, vLLM's "were ids ever
/// sent" check); the shared work around it (SSE framing, error events, finish reasons, the stop token) is
/// <c>RemoteStream</c>'s.
/// </summary>
public abstract class RemoteChunkReader
{
    /// <summary>
    /// Parses one event's data: appends the ids it carries to <paramref name="ids"/> and describes the rest in
    /// <paramref name="chunk"/> (which it resets first). Must not allocate for a well-formed event, since it runs
    /// once per generated token.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is not an event of this protocol.</exception>
    /// <exception cref="System.Text.Json.JsonException">The data is not well-formed JSON.</exception>
    public abstract void Parse(ReadOnlySpan<byte> data, TokenIdBuffer ids, ref StreamChunk chunk);

    /// <summary>
    /// Judges a parsed event that is not an error against the events before it, and leaves in <paramref name="ids"/>
    /// only the ids the caller has not been given yet.
    /// </summary>
    /// <param name="chunk">What <see cref="Parse"/> read from this event.</param>
    /// <param name="ids">The ids <see cref="Parse"/> read from this event.</param>
    /// <param name="beforeFirstToken">No id of this response has been queued for the caller yet, so the request can
    /// still be sent again without duplicating anything.</param>
    /// <exception cref="InvalidDataException">The event contradicts the protocol (its message becomes the
    /// <see cref="RemoteProtocolException"/>'s reason).</exception>
    public abstract ChunkVerdict Review(in StreamChunk chunk, TokenIdBuffer ids, bool beforeFirstToken);
}
