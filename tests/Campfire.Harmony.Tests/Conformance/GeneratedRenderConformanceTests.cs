using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Conformance;

/// <summary>
/// The 400 generated conversations (deep schemas, built-in tools, special-token literals typed as text, multilingual
/// text) must render to the reference's ids, with and without auto-drop, and refuse what the reference refuses.
/// </summary>
public class GeneratedRenderConformanceTests
{
    private static readonly HarmonyRenderer Cached = new(O200kHarmonyTokenizer.Instance);
    private static readonly HarmonyRenderer Uncached = new(O200kHarmonyTokenizer.Instance, cacheMessageTokens: false);

    [Fact]
    public void AllFourHundredCasesAreThere()
    {
        Assert.Equal(400, GeneratedRenderVectors.All.Count);
    }

    [Theory]
    [MemberData(nameof(GeneratedRenderVectors.Cases), MemberType = typeof(GeneratedRenderVectors))]
    public void RendersLikeTheReferenceWithAndWithoutAutoDrop(string id)
    {
        var c = GeneratedRenderVectors.Get(id);
        Check(c, c.ForCompletion, RenderOptions.Default);
        Check(c, c.ForCompletionNoDrop, RenderOptions.KeepAnalysis);
    }

    [Theory]
    [MemberData(nameof(GeneratedRenderVectors.Cases), MemberType = typeof(GeneratedRenderVectors))]
    public void JsonRoundTripKeepsTheConversationAndItsRendering(string id)
    {
        var c = GeneratedRenderVectors.Get(id);
        Conversation original;
        try
        {
            original = c.Parse();
        }
        catch (HarmonyException) when (c.ForCompletion is null && c.ForCompletionNoDrop is null)
        {
            return; // refused input: nothing to round-trip
        }
        var written = HarmonyJson.SerializeConversation(original);
        var reread = HarmonyJson.ParseConversation(written);
        Assert.Equal(original, reread);
        Assert.Equal(written, HarmonyJson.SerializeConversation(reread));
        if (c.ForCompletionNoDrop is { } expected)
            Assert.Equal(expected, Uncached.RenderConversationForCompletion(reread, Role.Assistant, RenderOptions.KeepAnalysis));
    }

    private static void Check(GeneratedRenderCase c, int[]? expected, RenderOptions options)
    {
        if (expected is null)
        {
            // The reference refused: so must we, with one of our exceptions (from JSON reading or rendering).
            Assert.ThrowsAny<HarmonyException>(() => Cached.RenderConversationForCompletion(c.Parse(), Role.Assistant, options));
            return;
        }
        var conversation = c.Parse();
        Assert.Equal(expected, Cached.RenderConversationForCompletion(conversation, Role.Assistant, options));
        Assert.Equal(expected, Uncached.RenderConversationForCompletion(conversation, Role.Assistant, options));
        var span = new int[expected.Length];
        Assert.Equal(System.Buffers.OperationStatus.Done,
            Uncached.RenderConversationForCompletion(conversation, Role.Assistant, span, out int written, options));
        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, span);
    }
}
