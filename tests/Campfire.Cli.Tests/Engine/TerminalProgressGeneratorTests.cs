using System.Runtime.CompilerServices;
using Campfire.Cli.Engine;
using Campfire.Harmony.Engine;

namespace Campfire.Cli.Tests.Engine;

/// <summary>The progress line a terminal shows while a local model works (the terminal itself is the one thing an exe
/// test cannot give the process, so the writer is a StringWriter here).</summary>
public sealed class TerminalProgressGeneratorTests
{
    private sealed class CountingGenerator(int tokens) : ITokenGenerator
    {
        public List<TokenGenerationRequest> Requests { get; } = [];

        public IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens, GenerationOptions options,
            CancellationToken cancellationToken = default) =>
            GenerateAsync(new TokenGenerationRequest(prompt, stopTokens, options), cancellationToken);

        public async IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            for (var i = 0; i < tokens; i++)
            {
                await Task.Yield();
                yield return i;
            }
        }
    }

    private static async Task<int[]> Drain(ITokenGenerator generator, TokenGenerationRequest request)
    {
        var ids = new List<int>();
        await foreach (var id in generator.GenerateAsync(request)) ids.Add(id);
        return [.. ids];
    }

    [Fact]
    public async Task The_progress_passes_every_token_and_the_unchanged_prefix_through_and_erases_its_line()
    {
        var inner = new CountingGenerator(5);
        var error = new StringWriter();
        var request = new TokenGenerationRequest(new int[] { 1, 2, 3 }, new int[] { 9 }, new GenerationOptions(), UnchangedPrefixLength: 2);

        var ids = await Drain(new TerminalProgressGenerator(inner, error), request);

        Assert.Equal([0, 1, 2, 3, 4], ids);
        Assert.Equal(2, Assert.Single(inner.Requests).UnchangedPrefixLength);
        Assert.StartsWith("\r\u001b[2K  model: reading the prompt (3 tokens)…", error.ToString());
        Assert.EndsWith("\r\u001b[2K", error.ToString());
    }

    [Fact]
    public async Task Until_the_first_token_only_the_prompt_reading_is_shown_and_erased_once()
    {
        var error = new StringWriter();
        var request = new TokenGenerationRequest(new int[] { 1, 2, 3, 4 }, new int[] { 9 }, new GenerationOptions());

        var ids = await Drain(new TerminalProgressGenerator(new CountingGenerator(40), error, untilFirstToken: true), request);

        Assert.Equal(40, ids.Length);
        Assert.Equal("\r\u001b[2K  model: reading the prompt (4 tokens)…\r\u001b[2K", error.ToString());
    }
}
