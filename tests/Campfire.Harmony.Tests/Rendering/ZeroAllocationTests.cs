using System.Buffers;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Rendering;

/// <summary>Once warm, rendering into a caller's buffer allocates nothing, with or without the message cache.</summary>
public class ZeroAllocationTests
{
    private static long AllocatedPerWindow(Action action) => AllocationProbe.LeastAllocated(action, calls: 100);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WarmRenderingIntoABufferWriterAllocatesNothing(bool cacheMessageTokens)
    {
        var renderer = new HarmonyRenderer(O200kHarmonyTokenizer.Instance, cacheMessageTokens);
        var conversation = RenderTestData.ToolConversation;
        var finalAnswer = conversation.Append(Message.Assistant("Sunny.").WithChannel("final"));
        var writer = new ArrayBufferWriter<int>(8192);
        int total = 0;

        long allocated = AllocatedPerWindow(() =>
        {
            writer.ResetWrittenCount();
            total += renderer.RenderConversationForCompletion(conversation, Role.Assistant, writer);
            writer.ResetWrittenCount();
            total += renderer.RenderConversation(conversation, writer, RenderOptions.KeepAnalysis);
            writer.ResetWrittenCount();
            total += renderer.RenderConversationForTraining(finalAnswer, writer);
            writer.ResetWrittenCount();
            total += renderer.Render(conversation[4], writer, conversationHasFunctionTools: true);
        });

        Assert.Equal(0, allocated);
        Assert.True(total > 100);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WarmRenderingIntoASpanAllocatesNothing(bool cacheMessageTokens)
    {
        var renderer = new HarmonyRenderer(O200kHarmonyTokenizer.Instance, cacheMessageTokens);
        var conversation = RenderTestData.ToolConversation;
        var destination = new int[8192];
        int total = 0;

        long allocated = AllocatedPerWindow(() =>
        {
            renderer.RenderConversationForCompletion(conversation, Role.Assistant, destination, out int written);
            total += written;
            renderer.Render(conversation[4], destination, out written);
            total += written;
            renderer.RenderConversationForTraining(conversation, destination, out written);
            total += written;
        });

        Assert.Equal(0, allocated);
        Assert.True(total > 100);
    }

    [Fact]
    public void IncrementalRenderForCompletionAllocatesNothing()
    {
        var incremental = new IncrementalRenderer(new HarmonyRenderer(O200kHarmonyTokenizer.Instance));
        incremental.Append(RenderTestData.ToolConversation.Messages);
        var writer = new ArrayBufferWriter<int>(8192);

        long allocated = AllocatedPerWindow(() =>
        {
            writer.ResetWrittenCount();
            incremental.RenderForCompletion(Role.Assistant, writer);
        });

        Assert.Equal(0, allocated);
        Assert.Equal(incremental.Tokens.Length + 2, writer.WrittenCount);
    }
}
