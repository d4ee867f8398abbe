
namespace Campfire.Extensions.AI.Tests;

public sealed class StopSequenceMatcherTests
{
    private static (string Shown, bool Matched) Feed(StopSequenceMatcher matcher, params string[] pieces)
    {
        var shown = "";
        foreach (var piece in pieces)
        {
            shown += matcher.Push(piece, out var matched);
            if (matched)
                return (shown, true);
        }
        return (shown + matcher.Flush(), false);
    }

    [Fact]
    public void Stop_sequence_split_across_pieces_is_found_and_never_shown()
    {
        var (shown, matched) = Feed(new StopSequenceMatcher(["</answer>"]), "The answer is 4.</an", "sw", "er> and more");
        Assert.True(matched);
        Assert.Equal("The answer is 4.", shown);
    }

    [Fact]
    public void Text_that_only_starts_like_a_stop_sequence_is_released_later()
    {
        var matcher = new StopSequenceMatcher(["STOP"]);
        Assert.Equal("go ", matcher.Push("go ST", out var m1));
        Assert.False(m1);
        Assert.Equal("STAY", matcher.Push("AY", out var m2)[..4] + matcher.Flush());
        Assert.False(m2);
    }

    [Fact]
    public void Earliest_of_several_stop_sequences_wins()
    {
        var (shown, matched) = Feed(new StopSequenceMatcher(["\n\n", "END"]), "a END b\n\nc");
        Assert.True(matched);
        Assert.Equal("a ", shown);
    }

    [Fact]
    public void Surrogate_pairs_are_not_split_by_the_hold_back()
    {
        var matcher = new StopSequenceMatcher(["xy"]);
        var shown = matcher.Push("a\U0001F525", out _);
        Assert.False(shown.Length > 0 && char.IsHighSurrogate(shown[^1]));
        Assert.Equal("a\U0001F525", shown + matcher.Flush());
    }

    [Fact]
    public void Without_stop_sequences_text_passes_through()
    {
        var matcher = new StopSequenceMatcher(null);
        Assert.False(matcher.IsActive);
        Assert.Equal("anything", matcher.Push("anything", out var matched));
        Assert.False(matched);
    }
}
