namespace Campfire.Remote;

/// <summary>
/// The token stream broke after tokens had already been handed to the caller: it is not retried (the caller has
/// consumed part of an answer) and is never turned into a silently short answer.
/// </summary>
public sealed class RemoteStreamBrokenException : RemoteGenerationException
{
    /// <summary>The stream from <paramref name="endpoint"/> broke for <paramref name="reason"/> after <paramref name="tokensReceived"/> tokens reached the caller.</summary>
    public RemoteStreamBrokenException(Uri endpoint, int tokensReceived, string reason, Exception? inner = null)
        : base($"stream from {endpoint} broke after {tokensReceived} token(s): {reason}", inner ?? new IOException(reason))
    {
        Endpoint = endpoint;
        TokensReceived = tokensReceived;
    }

    /// <summary>Tokens the caller had received before the break: the part of the answer that is already out.</summary>
    public int TokensReceived { get; }

    /// <summary>The server itself reported the failure in the stream (an error event or an abort), rather than the transport.</summary>
    public bool ReportedByServer { get; init; }
}
