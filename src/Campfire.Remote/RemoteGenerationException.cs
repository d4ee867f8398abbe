using Campfire.Harmony;

namespace Campfire.Remote;

/// <summary>Base of every failure of a remote generation (server, transport, protocol, configuration).</summary>
public class RemoteGenerationException : HarmonyException
{
    /// <summary>A failure described by <paramref name="message"/>.</summary>
    public RemoteGenerationException(string message) : base(message) { }

    /// <summary>A failure described by <paramref name="message"/>, caused by <paramref name="inner"/> (e.g. the <see cref="HttpRequestException"/> of a failed send).</summary>
    public RemoteGenerationException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The endpoint that failed, when one was involved.</summary>
    public Uri? Endpoint { get; init; }
}
