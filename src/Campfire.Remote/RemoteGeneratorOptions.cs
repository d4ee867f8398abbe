namespace Campfire.Remote;

/// <summary>Settings of a <see cref="RemoteTokenGenerator"/>. Defaults suit a serving cluster on a LAN.</summary>
public sealed record RemoteGeneratorOptions
{
    /// <summary>The replicas; requests go to the one with the fewest requests in flight.</summary>
    public required IReadOnlyList<RemoteEndpoint> Endpoints { get; init; }

    /// <summary>The served model name sent in vLLM's <c>model</c> field; null omits it (the server's default model).</summary>
    public string? Model { get; init; }

    /// <summary>Name of the environment variable holding the API key (sent as a Bearer token); null sends none.</summary>
    public string? ApiKeyEnvironmentVariable { get; init; }

    /// <summary>How vLLM endpoints are asked for the generated ids; <see cref="VllmTokenIdSource.Auto"/> copes with servers
    /// older than <c>return_token_ids</c>. Other backends ignore it.</summary>
    public VllmTokenIdSource VllmTokenIds { get; init; } = VllmTokenIdSource.Auto;

    /// <summary>
    /// Attempts after the first one, before the first token only (connect errors, 5xx, 429, 408, and a first-token
    /// timeout only on a replica that has not timed out yet: one silent server costs one <see cref="FirstTokenTimeout"/>).
    /// </summary>
    public int MaxRetryAttempts { get; init; } = 3;

    /// <summary>Base delay of the exponential backoff (with jitter) between attempts.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest <c>Retry-After</c> (on 429/503) that is waited for instead of the backoff delay.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Per connection attempt: how long establishing the TCP (and TLS) connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Per attempt: from sending the request until the first token (covers queueing and prefill).</summary>
    public TimeSpan FirstTokenTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>After the first token: the longest silence between two events before the stream counts as broken.</summary>
    public TimeSpan InterTokenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap on the bytes of an error body quoted in exception messages.</summary>
    public int MaxErrorBodyBytes { get; init; } = 4096;
}
