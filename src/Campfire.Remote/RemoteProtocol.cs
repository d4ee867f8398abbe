namespace Campfire.Remote;

/// <summary>
/// The built-in server protocols, by name: what <c>--protocol</c> and <see cref="RemoteEndpoint.Parse(string, RemoteProtocol)"/>
/// accept. Each member maps to the <see cref="Protocol.RemoteBackend"/> in <see cref="Protocol.RemoteBackends.All"/>
/// whose <see cref="Protocol.RemoteBackend.Protocol"/> it is.
/// </summary>
public enum RemoteProtocol
{
    /// <summary>vLLM's OpenAI-compatible <c>POST /v1/completions</c> with a token-id prompt.</summary>
    Vllm,

    /// <summary>SGLang's native <c>POST /generate</c> with <c>input_ids</c>.</summary>
    SGLang,
}
