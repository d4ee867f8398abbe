using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Tokenization;

/// <summary>
/// The per-thread piece cache keeps two entries per set: pieces whose hashes collide both stay cached, and a third
/// replaces the older of the two.
/// </summary>
public class PieceCacheTests
{
    [Fact]
    public void Two_pieces_with_the_same_hash_both_stay_cached_and_a_third_replaces_the_older()
    {
        var cache = new PieceCache();
        const uint hash = 0x5EED;
        byte[] first = "first piece"u8.ToArray();
        byte[] second = "second piece"u8.ToArray();
        byte[] third = "third piece!"u8.ToArray();

        cache.Add(first, hash, [1, 2]);
        cache.Add(second, hash, [3, 4, 5]);
        Assert.True(cache.TryGet(first, hash, out ReadOnlySpan<int> ids));
        Assert.Equal([1, 2], ids.ToArray());
        Assert.True(cache.TryGet(second, hash, out ids));
        Assert.Equal([3, 4, 5], ids.ToArray());

        cache.Add(third, hash, [6]);
        Assert.False(cache.TryGet(first, hash, out _));
        Assert.True(cache.TryGet(second, hash, out ids));
        Assert.Equal([3, 4, 5], ids.ToArray());
        Assert.True(cache.TryGet(third, hash, out ids));
        Assert.Equal([6], ids.ToArray());
    }

    [Fact]
    public void Pieces_of_the_same_length_in_one_set_are_told_apart_by_their_bytes()
    {
        var cache = new PieceCache();
        const uint hash = 7;
        cache.Add("abcd"u8, hash, [10]);
        cache.Add("abce"u8, hash, [20]);
        Assert.True(cache.TryGet("abce"u8, hash, out ReadOnlySpan<int> ids));
        Assert.Equal([20], ids.ToArray());
        Assert.True(cache.TryGet("abcd"u8, hash, out ids));
        Assert.Equal([10], ids.ToArray());
        Assert.False(cache.TryGet("abcf"u8, hash, out _));
    }
}
