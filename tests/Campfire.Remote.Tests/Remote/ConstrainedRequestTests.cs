using Campfire.Harmony.Constraints;
using Campfire.Harmony.Engine;

namespace Campfire.Remote.Tests.Remote;

public sealed class ConstrainedRequestTests
{
    /// <summary>Allows every id; enough to mark a request as constrained.</summary>
    private sealed class AnyToken : ITokenConstraint
    {
        public int VocabularySize => 201088;
        public bool IsComplete => false;
        public void WriteAllowedTokens(Span<ulong> mask) => mask[..TokenMask.WordCount(VocabularySize)].Fill(ulong.MaxValue);
        public bool TryAccept(int tokenId) => tokenId is >= 0 and < 201088;
    }

    [Fact]
    public async Task A_constrained_request_is_refused_with_a_pointer_to_the_docs_before_anything_is_sent()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, [200005, 200002], perEvent: 1));
        using var generator = new RemoteTokenGenerator(new RemoteGeneratorOptions { Endpoints = [RemoteEndpoint.Parse(server.BaseUrl.ToString())] });
        ITokenGenerator asEngineSeesIt = generator;
        var request = new TokenGenerationRequest(new[] { 200006, 1428, 200008 }, new[] { 200002 }, GenerationOptions.Default, Constraint: new AnyToken());

        var e = Assert.Throws<NotSupportedException>(() => asEngineSeesIt.GenerateAsync(request));
        Assert.Contains("docs/scaling-out.md", e.Message);
        Assert.Contains("constraint", e.Message);
        Assert.Equal(0, server.RequestCount);

        // The same request without the constraint goes out.
        var ids = new List<int>();
        await foreach (int id in asEngineSeesIt.GenerateAsync(request with { Constraint = null })) ids.Add(id);
        Assert.Equal([200005, 200002], ids);
    }
}
