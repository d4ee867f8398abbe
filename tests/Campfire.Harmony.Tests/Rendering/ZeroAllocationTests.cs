using System.Buffers;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Rendering;

/// <summary>Once warm, rendering into a caller's buffer allocates nothing, with or without the message cache.</summary>
public class ZeroAllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WarmRenderingIntoABufferWriterAllocatesNothing(bool cacheMessageTokens)
    {
        var renderer = new HarmonyRenderer(O200kHarmonyTokenizer.Instance, cacheMessageTokens);
        var conversation = RenderTestData.ToolConversation;
        var writer = new ArrayBufferWriter<int>(8192);
        for (int i = 0; i < 3; i++)
        {
            writer.ResetWrittenCount();
            renderer.RenderConversationForCompletion(conversation, Role.Assistant, writer);
            writer.ResetWrittenCount();
            renderer.RenderConversation(conversation, writer, RenderOptions.KeepAnalysis);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            writer.ResetWrittenCount();
            renderer.RenderConversationForCompletion(conversation, Role.Assistant, writer);
            writer.ResetWrittenCount();
            renderer.RenderConversation(conversation, writer, RenderOptions.KeepAnalysis);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(writer.WrittenCount > 100);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WarmRenderingIntoASpanAllocatesNothing(bool cacheMessageTokens)
    {
        var renderer = new HarmonyRenderer(O200kHarmonyTokenizer.Instance, cacheMessageTokens);
        var conversation = RenderTestData.ToolConversation;
        var destination = new int[8192];
        var message = conversation[4];
        for (int i = 0; i < 3; i++)
        {
            renderer.RenderConversationForCompletion(conversation, Role.Assistant, destination, out _);
            renderer.Render(message, destination, out _);
            renderer.RenderConversationForTraining(conversation, destination, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 100; i++)
        {
            renderer.RenderConversationForCompletion(conversation, Role.Assistant, destination, out int written);
            total += written;
            renderer.Render(message, destination, out written);
            total += written;
            renderer.RenderConversationForTraining(conversation, destination, out written);
            total += written;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(total > 100);
    }
}
