using System.Buffers;
using System.Text.Json;

namespace Campfire.Remote.Protocol;

/// <summary>
/// One inference server's wire protocol: where generation requests go, what their JSON body holds and how the
/// streamed events turn back into token ids. A backend is one file plus one line in <see cref="RemoteBackends.All"/>;
/// the generator and the stream only ever talk to this type, so a new server never runs through another one's code.
/// </summary>
/// <remarks>
/// Backends are stateless and shared by every endpoint and request; what a protocol must remember while one response
/// streams lives in the <see cref="RemoteChunkReader"/> made for that response.
/// </remarks>
public abstract class RemoteBackend
{
    /// <summary>
    /// The name in messages and in <see cref="RemoteEndpoint.ToString"/>; spelled like the backend's
    /// <see cref="RemoteProtocol"/> member when it has one ("Vllm", "SGLang").
    /// </summary>
    public abstract string Name { get; }

    /// <summary>
    /// The prefix that selects this backend in an endpoint's text, without its '+': "sglang" in
    /// "sglang+http://host:30000". Compared ignoring case; must differ from every other registered backend's.
    /// </summary>
    public abstract string UrlPrefix { get; }

    /// <summary>
    /// The <see cref="RemoteProtocol"/> member that names this backend on command lines (<c>--protocol</c>), or null
    /// for a backend selected only by its <see cref="UrlPrefix"/>.
    /// </summary>
    public virtual RemoteProtocol? Protocol => null;

    /// <summary>The URL that generation requests go to, for a replica whose base URL is <paramref name="baseUrl"/>.</summary>
    public abstract Uri GetGenerationUrl(Uri baseUrl);

    /// <summary>
    /// Writes the JSON body of one streamed generation request. The prompt and stop tokens must travel as ids and
    /// special tokens must come back unskipped, so no chat template or detokenize/retokenize round trip of the server
    /// touches the Harmony format.
    /// </summary>
    public abstract void WriteRequest(IBufferWriter<byte> destination, RemoteGenerationRequest request);

    /// <summary>A reader for the events of the response to <paramref name="request"/> (one per response: it may keep state).</summary>
    public abstract RemoteChunkReader CreateChunkReader(RemoteGenerationRequest request);

    /// <summary>Writes <paramref name="ids"/> as the JSON number array <paramref name="name"/>: how prompts and stop
    /// tokens travel in every protocol.</summary>
    protected static void WriteIdArray(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<int> ids)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartArray(name);
        foreach (var id in ids)
            json.WriteNumberValue(id);
        json.WriteEndArray();
    }

    /// <summary>The backend's <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
