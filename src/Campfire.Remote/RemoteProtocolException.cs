namespace Campfire.Remote;

/// <summary>The server sent something that is not the documented wire format (bad event line, bad JSON, bad id).</summary>
public sealed class RemoteProtocolException : RemoteGenerationException
{
    /// <summary>The stream from <paramref name="endpoint"/> broke the wire format (<paramref name="reason"/>) after <paramref name="tokensReceived"/> tokens reached the caller.</summary>
    public RemoteProtocolException(Uri endpoint, int tokensReceived, string reason, Exception? inner = null)
        : base($"malformed stream from {endpoint} after {tokensReceived} token(s): {reason}", inner ?? new FormatException(reason))
    {
        Endpoint = endpoint;
        TokensReceived = tokensReceived;
    }

    /// <summary>Tokens the caller had received before the malformed event.</summary>
    public int TokensReceived { get; }
}
