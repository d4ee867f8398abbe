using Campfire.Remote.Protocol;

namespace Campfire.Remote.Tests.Remote;

public sealed class RemoteBackendsTests
{
    [Fact]
    public void Every_protocol_member_maps_to_the_registered_backend_of_that_name()
    {
        foreach (var protocol in Enum.GetValues<RemoteProtocol>())
        {
            var backend = RemoteBackends.For(protocol);
            Assert.Equal(protocol, backend.Protocol);
            Assert.Equal(protocol.ToString(), backend.Name);
            Assert.Contains(backend, RemoteBackends.All);
        }
    }

    [Fact]
    public void Url_prefixes_are_distinct_and_select_their_backend()
    {
        Assert.Equal(RemoteBackends.All.Count, RemoteBackends.All.Select(b => b.UrlPrefix.ToUpperInvariant()).Distinct().Count());
        foreach (var backend in RemoteBackends.All)
        {
            var endpoint = RemoteEndpoint.Parse($"{backend.UrlPrefix.ToUpperInvariant()}+http://replica:8000");
            Assert.Same(backend, endpoint.Backend);
            Assert.Equal(new Uri("http://replica:8000"), endpoint.BaseUrl);
            Assert.Equal($"{backend.Name}:http://replica:8000/", endpoint.ToString());
        }
    }

    [Fact]
    public void An_undefined_protocol_value_is_a_configuration_error()
    {
        Assert.Throws<RemoteConfigurationException>(() => new RemoteEndpoint(new Uri("http://replica:8000"), (RemoteProtocol)99));
    }
}
