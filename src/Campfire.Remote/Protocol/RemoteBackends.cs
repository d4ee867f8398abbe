namespace Campfire.Remote.Protocol;

/// <summary>The registration table of server protocols: an endpoint can speak exactly the backends listed here.</summary>
public static class RemoteBackends
{
    /// <summary>Every registered backend, one line each. A new server protocol is one new file plus one line here.</summary>
    public static IReadOnlyList<RemoteBackend> All { get; } =
    [
        new VllmBackend(),
        new SglangBackend(),
    ];

    /// <summary>The registered backend whose <see cref="RemoteBackend.Protocol"/> is <paramref name="protocol"/>.</summary>
    /// <exception cref="RemoteConfigurationException">No registered backend has that protocol (an undefined enum value).</exception>
    public static RemoteBackend For(RemoteProtocol protocol)
    {
        foreach (var backend in All)
        {
            if (backend.Protocol == protocol)
                return backend;
        }
        throw new RemoteConfigurationException($"no remote backend is registered for protocol {protocol}");
    }

    /// <summary>
    /// The backend whose "<see cref="RemoteBackend.UrlPrefix"/>+" starts <paramref name="text"/> (ignoring case), with
    /// the length of that prefix and its '+'; null and 0 when the text starts with none.
    /// </summary>
    public static RemoteBackend? FindByUrlPrefix(ReadOnlySpan<char> text, out int prefixLength)
    {
        foreach (var backend in All)
        {
            var prefix = backend.UrlPrefix;
            if (text.Length > prefix.Length && text[prefix.Length] == '+'
                && text[..prefix.Length].Equals(prefix, StringComparison.OrdinalIgnoreCase))
            {
                prefixLength = prefix.Length + 1;
                return backend;
            }
        }
        prefixLength = 0;
        return null;
    }
}
