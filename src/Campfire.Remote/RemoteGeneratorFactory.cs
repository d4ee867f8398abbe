namespace Campfire.Remote;

/// <summary>Builds a <see cref="RemoteTokenGenerator"/> from what a user types: endpoint URLs, a model name, a key variable.</summary>
public static class RemoteGeneratorFactory
{
    /// <summary>
    /// One generator over all <paramref name="endpoints"/> ("http://host:8000", "sglang+http://host:30000", ...).
    /// </summary>
    /// <param name="endpoints">Replica URLs; a backend prefix ("vllm+", "sglang+": any <see cref="Protocol.RemoteBackend.UrlPrefix"/>
    /// in <see cref="Protocol.RemoteBackends.All"/>) overrides <paramref name="defaultProtocol"/>.</param>
    /// <param name="model">Served model name for vLLM's <c>model</c> field (e.g. "openai/gpt-oss-120b"); null for the server default.</param>
    /// <param name="apiKeyEnvironmentVariable">Variable holding the API key; null for none.</param>
    /// <param name="defaultProtocol">Protocol of endpoints without a prefix.</param>
    /// <param name="configure">Optional tweaks (timeouts, retries, id source).</param>
    public static RemoteTokenGenerator FromEndpoints(IEnumerable<string> endpoints, string? model = null,
        string? apiKeyEnvironmentVariable = null, RemoteProtocol defaultProtocol = RemoteProtocol.Vllm,
        Func<RemoteGeneratorOptions, RemoteGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var parsed = endpoints.Select(e => RemoteEndpoint.Parse(e, defaultProtocol)).ToArray();
        if (parsed.Length == 0)
            throw new RemoteConfigurationException("no endpoint given (expected at least one URL such as http://host:8000)");
        var options = new RemoteGeneratorOptions
        {
            Endpoints = parsed,
            Model = string.IsNullOrWhiteSpace(model) ? null : model,
            ApiKeyEnvironmentVariable = string.IsNullOrWhiteSpace(apiKeyEnvironmentVariable) ? null : apiKeyEnvironmentVariable,
        };
        return new RemoteTokenGenerator(configure is null ? options : configure(options));
    }
}
