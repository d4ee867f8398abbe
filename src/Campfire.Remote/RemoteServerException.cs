using System.Net;

namespace Campfire.Remote;

/// <summary>
/// The server answered with an error status. 4xx answers are not retried (the request itself is wrong) and carry
/// the server's body; 5xx/429 answers are retried before the first token and end up here when retries run out.
/// </summary>
public sealed class RemoteServerException : RemoteGenerationException
{
    /// <summary>The answer of <paramref name="endpoint"/>: its status and (capped) body, both quoted in the message.</summary>
    public RemoteServerException(HttpStatusCode statusCode, string body, Uri endpoint)
        : base($"{endpoint} answered {(int)statusCode} {statusCode}: {(body.Length == 0 ? "(empty body)" : body)}")
    {
        StatusCode = statusCode;
        Body = body;
        Endpoint = endpoint;
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's error body, trimmed and capped at <see cref="RemoteGeneratorOptions.MaxErrorBodyBytes"/>
    /// ("..." marks a cut); empty when it sent none.</summary>
    public string Body { get; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one (honoured by the retry, within limits).</summary>
    public TimeSpan? RetryAfter { get; init; }
}
