namespace Campfire.Remote;

/// <summary>The wire protocol an endpoint speaks.</summary>
public enum RemoteProtocol
{
    /// <summary>vLLM's OpenAI-compatible <c>POST /v1/completions</c> with a token-id prompt.</summary>
    Vllm,

    /// <summary>SGLang's native <c>POST /generate</c> with <c>input_ids</c>.</summary>
    SGLang,
}

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

/// <summary>One replica: where it is and how to talk to it.</summary>
public sealed record RemoteEndpoint
{
    public RemoteEndpoint(Uri baseUrl, RemoteProtocol protocol = RemoteProtocol.Vllm)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            throw new RemoteConfigurationException($"endpoint '{baseUrl}' must be an absolute http:// or https:// URL");
        BaseUrl = baseUrl;
        Protocol = protocol;
    }

    public Uri BaseUrl { get; }
    public RemoteProtocol Protocol { get; }

    /// <summary>
    /// The URL that generation requests go to: <c>{base}/v1/completions</c> for vLLM (or <c>{base}/completions</c>
    /// when the base already ends in <c>/v1</c>), <c>{base}/generate</c> for SGLang.
    /// </summary>
    public Uri GenerationUrl
    {
        get
        {
            var text = BaseUrl.AbsoluteUri.TrimEnd('/');
            if (Protocol == RemoteProtocol.SGLang)
                return new Uri(text + "/generate");
            return new Uri(text.EndsWith("/v1", StringComparison.Ordinal) ? text + "/completions" : text + "/v1/completions");
        }
    }

    /// <summary>
    /// Parses "http://host:8000" (vLLM), "vllm+http://host:8000" or "sglang+http://host:30000". The protocol prefix
    /// lets one list mix replicas of both servers.
    /// </summary>
    public static RemoteEndpoint Parse(string text, RemoteProtocol defaultProtocol = RemoteProtocol.Vllm)
    {
        ArgumentNullException.ThrowIfNull(text);
        var protocol = defaultProtocol;
        var url = text.Trim();
        if (url.StartsWith("sglang+", StringComparison.OrdinalIgnoreCase))
        {
            protocol = RemoteProtocol.SGLang;
            url = url["sglang+".Length..];
        }
        else if (url.StartsWith("vllm+", StringComparison.OrdinalIgnoreCase))
        {
            protocol = RemoteProtocol.Vllm;
            url = url["vllm+".Length..];
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new RemoteConfigurationException($"endpoint '{text}' is not an absolute URL (expected e.g. http://host:8000)");
        return new RemoteEndpoint(uri, protocol);
    }

    public override string ToString() => $"{Protocol}:{BaseUrl}";
}
