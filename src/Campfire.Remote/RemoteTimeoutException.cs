namespace Campfire.Remote;

/// <summary>No first token within the first-token timeout (after all retries), or too long a gap between events.</summary>
public sealed class RemoteTimeoutException : RemoteGenerationException
{
    /// <summary><paramref name="what"/> (e.g. "waiting for the first token") took longer than <paramref name="timeout"/>
    /// on <paramref name="endpoint"/>, after <paramref name="tokensReceived"/> tokens reached the caller.</summary>
    public RemoteTimeoutException(Uri endpoint, int tokensReceived, TimeSpan timeout, string what)
        : base($"{endpoint}: {what} took longer than {timeout.TotalSeconds:0.###} s after {tokensReceived} token(s)")
    {
        Endpoint = endpoint;
        TokensReceived = tokensReceived;
        Timeout = timeout;
    }

    /// <summary>Tokens the caller had received before the wait ran out; 0 for a first-token timeout.</summary>
    public int TokensReceived { get; }

    /// <summary>The limit that ran out (the first-token or the inter-token timeout).</summary>
    public TimeSpan Timeout { get; }
}
