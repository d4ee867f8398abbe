using Campfire.Native;

namespace Campfire.Native.Tests.Native;

public sealed class HandleTableTests
{
    private sealed class Thing;

    [Fact]
    public void A_live_handle_resolves_to_its_object()
    {
        var table = new HandleTable<Thing>(HandleKind.Parser);
        var thing = new Thing();
        nint handle = table.Add(thing);

        Assert.Equal(CampfireStatus.Ok, table.TryGet(handle, out Thing found));
        Assert.Same(thing, found);
        Assert.Equal(1, table.LiveCount);
    }

    [Fact]
    public void A_freed_handle_is_reported_as_freed_even_after_its_slot_is_reused()
    {
        var table = new HandleTable<Thing>(HandleKind.Parser);
        nint first = table.Add(new Thing());
        Assert.Equal(CampfireStatus.Ok, table.Remove(first, out _));
        nint second = table.Add(new Thing());

        Assert.NotEqual(first, second);
        Assert.Equal(CampfireStatus.FreedHandle, table.TryGet(first, out _));
        Assert.Equal(CampfireStatus.FreedHandle, table.Remove(first, out _));
        Assert.Equal(CampfireStatus.Ok, table.TryGet(second, out _));
    }

    [Fact]
    public void Null_garbage_and_foreign_handles_are_told_apart()
    {
        var parsers = new HandleTable<Thing>(HandleKind.Parser);
        var decoders = new HandleTable<Thing>(HandleKind.StreamDecoder);
        nint decoder = decoders.Add(new Thing());
        nint parser = parsers.Add(new Thing());

        Assert.Equal(CampfireStatus.NullPointer, parsers.TryGet(0, out _));
        Assert.Equal(CampfireStatus.InvalidHandle, parsers.TryGet(0x1234, out _));
        Assert.Equal(CampfireStatus.InvalidHandle, parsers.TryGet(-1, out _));
        Assert.Equal(CampfireStatus.InvalidHandle, parsers.TryGet(decoder, out _));
        Assert.Equal(CampfireStatus.InvalidHandle, parsers.TryGet(parser + 1, out _)); // slot never issued
        Assert.Equal(CampfireStatus.InvalidHandle, parsers.TryGet((nint)(parser + (1L << 24)), out _)); // future generation
    }

    [Fact]
    public void Many_handles_grow_the_table_and_stay_distinct()
    {
        var table = new HandleTable<Thing>(HandleKind.StreamDecoder);
        var things = Enumerable.Range(0, 1000).Select(_ => new Thing()).ToArray();
        nint[] handles = things.Select(table.Add).ToArray();

        Assert.Equal(handles.Length, handles.Distinct().Count());
        for (int i = 0; i < things.Length; i++)
        {
            Assert.Equal(CampfireStatus.Ok, table.TryGet(handles[i], out Thing found));
            Assert.Same(things[i], found);
        }
    }

    [Fact]
    public void Concurrent_adds_and_removes_never_confuse_handles()
    {
        var table = new HandleTable<Thing>(HandleKind.Parser);
        Parallel.For(0, 4, worker =>
        {
            for (int i = 0; i < 2000; i++)
            {
                var thing = new Thing();
                nint handle = table.Add(thing);
                Assert.Equal(CampfireStatus.Ok, table.TryGet(handle, out Thing found));
                Assert.Same(thing, found);
                Assert.Equal(CampfireStatus.Ok, table.Remove(handle, out _));
                Assert.Equal(CampfireStatus.FreedHandle, table.TryGet(handle, out _));
            }
        });
        Assert.Equal(0, table.LiveCount);
    }
}
