using System.Net;
using Campfire.Harmony;

namespace Campfire.Remote;

/// <summary>Base of every failure of a remote generation (server, transport, protocol, configuration).</summary>
public class RemoteGenerationException : HarmonyException
{
    public RemoteGenerationException(string message) : base(message) { }
    public RemoteGenerationException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The endpoint that failed, when one was involved.</summary>
    public Uri? Endpoint { get; init; }
}

/// <summary>Bad generator configuration: no endpoint, malformed URL, API-key variable not set...</summary>
public sealed class RemoteConfigurationException(string message) : RemoteGenerationException(message);

/// <summary>
/// The server answered with an error status. 4xx answers are not retried (the request itself is wrong) and carry
/// the server's body; 5xx/429 answers are retried before the first token and end up here when retries run out.
/// </summary>
public sealed class RemoteServerException : RemoteGenerationException
{
    public RemoteServerException(HttpStatusCode statusCode, string body, Uri endpoint)
        : base($"{endpoint} answered {(int)statusCode} {statusCode}: {(body.Length == 0 ? "(empty body)" : body)}")
    {
        StatusCode = statusCode;
        Body = body;
        Endpoint = endpoint;
    }

    public HttpStatusCode StatusCode { get; }
    public string Body { get; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one (honoured by the retry, within limits).</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>
/// The token stream broke after tokens had already been handed to the caller: it is not retried (the caller has
/// consumed part of an answer) and is never turned into a silently short answer.
/// </summary>
public sealed class RemoteStreamBrokenException : RemoteGenerationException
{
    public RemoteStreamBrokenException(Uri endpoint, int tokensReceived, string reason, Exception? inner = null)
        : base($"stream from {endpoint} broke after {tokensReceived} token(s): {reason}", inner ?? new IOException(reason))
    {
        Endpoint = endpoint;
        TokensReceived = tokensReceived;
    }

    public int TokensReceived { get; }

    /// <summary>The server itself reported the failure in the stream (an error event or an abort), rather than the transport.</summary>
    public bool ReportedByServer { get; init; }
}

/// <summary>The server sent something that is not the documented wire format (bad event line, bad JSON, bad id).</summary>
public sealed class RemoteProtocolException : RemoteGenerationException
{
    public RemoteProtocolException(Uri endpoint, int tokensReceived, string reason, Exception? inner = null)
        : base($"malformed stream from {endpoint} after {tokensReceived} token(s): {reason}", inner ?? new FormatException(reason))
    {
        Endpoint = endpoint;
        TokensReceived = tokensReceived;
    }

    public int TokensReceived { get; }
}

/// <summary>No first token within the first-token timeout (after all retries), or too long a gap between events.</summary>
public sealed class RemoteTimeoutException : RemoteGenerationException
{
    public RemoteTimeoutException(Uri endpoint, int tokensReceived, TimeSpan timeout, string what)
        : base($"{endpoint}: {what} took longer than {timeout.TotalSeconds:0.###} s after {tokensReceived} token(s)")
    {
        Endpoint = endpoint;
        TokensReceived = tokensReceived;
        Timeout = timeout;
    }

    public int TokensReceived { get; }
    public TimeSpan Timeout { get; }
}
