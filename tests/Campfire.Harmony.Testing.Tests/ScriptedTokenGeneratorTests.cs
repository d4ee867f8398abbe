using Campfire.Harmony.Engine;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Testing.Tests;

public sealed class ScriptedTokenGeneratorTests
{
    private static async Task<List<int>> Take(IAsyncEnumerable<int> tokens, CancellationToken cancellationToken = default)
    {
        var list = new List<int>();
        await foreach (var token in tokens.WithCancellation(cancellationToken)) list.Add(token);
        return list;
    }

    [Fact]
    public async Task Replays_each_turn_up_to_and_including_the_first_stop_token()
    {
        var generator = ScriptedTokenGenerator.FromHarmonyText("a<|call|>b", "c<|return|>");
        var first = await Take(generator.GenerateAsync(new[] { 1, 2 }, new[] { 200002, 200012 }, GenerationOptions.Default));
        Assert.Equal("a<|call|>", Decode(first));
        var second = await Take(generator.GenerateAsync(new[] { 3 }, new[] { 200002, 200012 }, GenerationOptions.Default));
        Assert.Equal("c<|return|>", Decode(second));
        Assert.Equal([[1, 2], [3]], generator.Prompts.Select(p => p.ToArray()));
        Assert.Equal(2, generator.TurnsPlayed);
        Assert.Throws<ScriptExhaustedException>(() => generator.GenerateAsync(new[] { 1 }, new[] { 200002 }, GenerationOptions.Default));
        generator.Rewind();
        Assert.Equal(0, generator.TurnsPlayed);
        Assert.Empty(generator.Prompts);
    }

    [Fact]
    public async Task Stops_at_max_tokens()
    {
        var generator = new ScriptedTokenGenerator([[1, 2, 3, 4, 5]]);
        Assert.Equal([1, 2], await Take(generator.GenerateAsync(Array.Empty<int>(), Array.Empty<int>(), new GenerationOptions { MaxTokens = 2 })));
    }

    [Fact]
    public async Task Honours_cancellation_between_tokens()
    {
        var generator = new ScriptedTokenGenerator([Enumerable.Range(1, 1000).ToArray()]) { TokenDelay = TimeSpan.FromMilliseconds(20) };
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Take(generator.GenerateAsync(Array.Empty<int>(), Array.Empty<int>(), GenerationOptions.Default, cancellation.Token)));
    }

    [Fact]
    public void A_script_needs_turns() =>
        Assert.Throws<ArgumentException>(() => new ScriptedTokenGenerator([]));

    private static string Decode(IEnumerable<int> ids) => O200kHarmonyTokenizer.Instance.Decode(ids.ToArray());
}
