using System.Text;
using Campfire.Native;
using Campfire.Native.Parsing;

namespace Campfire.Native.Tests.Native;

public sealed class EventQueueTests
{
    private static string Text(byte[] buffer, NativeTextRef reference) =>
        reference.Length < 0 ? "<absent>" : Encoding.UTF8.GetString(buffer, reference.Offset, reference.Length);

    [Fact]
    public void Events_come_out_in_order_with_their_text_packed_into_the_callers_buffer()
    {
        var queue = new EventQueue();
        queue.Add(NativeEventKind.HeaderComplete, 3, role: 1,
            channel: "commentary"u8, hasChannel: true, recipient: "functions.f"u8, hasRecipient: true);
        queue.Add(NativeEventKind.ContentDelta, 4, text: "Hé"u8, hasText: true);

        Assert.Equal(2, queue.Count);
        Assert.Equal("commentaryfunctions.f".Length, queue.PeekTextLength());
        byte[] buffer = new byte[64];
        NativeEvent header = queue.Take(buffer);
        Assert.Equal((int)NativeEventKind.HeaderComplete, header.Kind);
        Assert.Equal(3, header.TokenIndex);
        Assert.Equal("commentary", Text(buffer, header.Channel));
        Assert.Equal("functions.f", Text(buffer, header.Recipient));
        Assert.Equal("<absent>", Text(buffer, header.ContentType));

        NativeEvent delta = queue.Take(buffer);
        Assert.Equal("Hé", Text(buffer, delta.Text));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Saved_events_restore_identically()
    {
        var queue = new EventQueue();
        queue.Add(NativeEventKind.MessageStart, 0, role: 4, name: "browser.search"u8, hasName: true);
        queue.Add(NativeEventKind.ContentDelta, 1, text: ""u8, hasText: true);
        queue.Add(NativeEventKind.MessageEnd, 2, endToken: 200007);
        var saved = new PooledBufferWriter<byte>();
        queue.Save(saved);

        var reader = new StateReader(saved.WrittenSpan);
        EventQueue restored = EventQueue.Restore(ref reader);
        Assert.True(reader.AtEnd);
        Assert.Equal(3, restored.Count);
        byte[] a = new byte[64], b = new byte[64];
        for (int i = 0; i < 3; i++)
        {
            NativeEvent x = queue.Take(a), y = restored.Take(b);
            Assert.Equal(x.Kind, y.Kind);
            Assert.Equal(x.TokenIndex, y.TokenIndex);
            Assert.Equal(x.Role, y.Role);
            Assert.Equal(x.EndToken, y.EndToken);
            Assert.Equal(Text(a, x.Name), Text(b, y.Name));
            Assert.Equal(Text(a, x.Text), Text(b, y.Text));
        }
    }

    [Fact]
    public void Queueing_and_draining_token_by_token_allocates_nothing_when_warm()
    {
        var queue = new EventQueue();
        byte[] buffer = new byte[64];
        for (int i = 0; i < 100; i++)
        {
            queue.Add(NativeEventKind.ContentDelta, i, text: "token"u8, hasText: true);
            queue.Take(buffer);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            queue.Add(NativeEventKind.ContentDelta, i, text: "token"u8, hasText: true);
            queue.Take(buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
