using Campfire.Remote.Protocol;

namespace Campfire.Remote;

/// <summary>One replica: where it is and which server protocol (<see cref="RemoteBackend"/>) it speaks.</summary>
public sealed record RemoteEndpoint
{
    /// <summary>A replica at <paramref name="baseUrl"/> speaking one of the built-in protocols.</summary>
    /// <exception cref="RemoteConfigurationException">The URL is not absolute http(s), or no backend is registered for <paramref name="protocol"/>.</exception>
    public RemoteEndpoint(Uri baseUrl, RemoteProtocol protocol = RemoteProtocol.Vllm)
        : this(baseUrl, RemoteBackends.For(protocol))
    {
    }

    /// <summary>A replica at <paramref name="baseUrl"/> speaking <paramref name="backend"/>.</summary>
    /// <exception cref="RemoteConfigurationException">The URL is not an absolute http:// or https:// URL.</exception>
    public RemoteEndpoint(Uri baseUrl, RemoteBackend backend)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(backend);
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            throw new RemoteConfigurationException($"endpoint '{baseUrl}' must be an absolute http:// or https:// URL");
        BaseUrl = baseUrl;
        Backend = backend;
    }

    /// <summary>The server's base URL as given (without any protocol prefix), e.g. <c>http://host:8000</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The protocol this replica speaks: request URL, body and stream format.</summary>
    public RemoteBackend Backend { get; }

    /// <summary>The built-in protocol this replica speaks, i.e. <see cref="Backend"/>'s <see cref="RemoteBackend.Protocol"/>.</summary>
    /// <exception cref="InvalidOperationException">The backend has no <see cref="RemoteProtocol"/> member (it is selected by its URL prefix only).</exception>
    public RemoteProtocol Protocol => Backend.Protocol
        ?? throw new InvalidOperationException($"backend {Backend.Name} has no {nameof(RemoteProtocol)} member; use {nameof(Backend)}");

    /// <summary>
    /// The URL that generation requests go to, as the backend builds it from <see cref="BaseUrl"/>: for vLLM
    /// <c>{base}/v1/completions</c> (or <c>{base}/completions</c> when the base already ends in <c>/v1</c>), for
    /// SGLang <c>{base}/generate</c>.
    /// </summary>
    public Uri GenerationUrl => Backend.GetGenerationUrl(BaseUrl);

    /// <summary>
    /// Parses "http://host:8000" (vLLM), "vllm+http://host:8000" or "sglang+http://host:30000". The protocol prefix
    /// lets one list mix replicas of different servers; a URL without one speaks <paramref name="defaultProtocol"/>.
    /// </summary>
    /// <exception cref="RemoteConfigurationException">The text is not an absolute http(s) URL after its prefix.</exception>
    public static RemoteEndpoint Parse(string text, RemoteProtocol defaultProtocol = RemoteProtocol.Vllm) =>
        Parse(text, RemoteBackends.For(defaultProtocol));

    /// <summary>
    /// Parses an endpoint URL with an optional "<see cref="RemoteBackend.UrlPrefix"/>+" in front (any registered
    /// backend); a URL without one speaks <paramref name="defaultBackend"/>.
    /// </summary>
    /// <exception cref="RemoteConfigurationException">The text is not an absolute http(s) URL after its prefix.</exception>
    public static RemoteEndpoint Parse(string text, RemoteBackend defaultBackend)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(defaultBackend);
        var url = text.Trim();
        var backend = RemoteBackends.FindByUrlPrefix(url, out var prefixLength) ?? defaultBackend;
        url = url[prefixLength..];
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new RemoteConfigurationException($"endpoint '{text}' is not an absolute URL (expected e.g. http://host:8000)");
        return new RemoteEndpoint(uri, backend);
    }

    /// <summary>"Vllm:http://host:8000/": the backend's name and the base URL, for logs and messages.</summary>
    public override string ToString() => $"{Backend.Name}:{BaseUrl}";
}
