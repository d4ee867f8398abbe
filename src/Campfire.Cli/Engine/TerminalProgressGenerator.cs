using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Engine;

namespace Campfire.Cli.Engine;

/// <summary>
/// Shows a local model's progress on standard error while it generates: tokens so far and tokens/s, redrawn on one
/// line at most four times a second and erased when the turn ends. Only on a terminal: <see cref="Wrap"/> returns
/// the generator unchanged when standard error is redirected, so logs and pipes never see it. With
/// <paramref name="untilFirstToken"/> only the prompt reading is shown (erased at the first token), for commands that
/// print the model's text as it streams, where a redrawn line would overwrite it.
/// </summary>
public sealed class TerminalProgressGenerator(ITokenGenerator inner, TextWriter error, bool untilFirstToken = false) : ITokenGenerator
{
    /// <summary>The generator with progress when standard error is a terminal, else <paramref name="generator"/> itself.</summary>
    public static ITokenGenerator Wrap(ITokenGenerator generator) =>
        Console.IsErrorRedirected ? generator : new TerminalProgressGenerator(generator, Console.Error);

    /// <summary>The generator with a "reading the prompt" line until its first token when standard error is a terminal,
    /// else <paramref name="generator"/> itself.</summary>
    public static ITokenGenerator WrapUntilFirstToken(ITokenGenerator generator) =>
        Console.IsErrorRedirected ? generator : new TerminalProgressGenerator(generator, Console.Error, untilFirstToken: true);

    public IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens, GenerationOptions options,
        CancellationToken cancellationToken = default) =>
        GenerateAsync(new TokenGenerationRequest(prompt, stopTokens, options), cancellationToken);

    /// <summary>Passes the whole request on, so the model still keeps its KV cache for the unchanged prefix.</summary>
    public async IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        int count = 0;
        long drawnAt = 0;
        bool shown = true;
        error.Write($"\r\u001b[2K  model: reading the prompt ({request.Prompt.Length.ToString(CultureInfo.InvariantCulture)} tokens)…");
        try
        {
            await foreach (int id in inner.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            {
                count++;
                if (untilFirstToken)
                {
                    if (shown) error.Write("\r\u001b[2K");
                    shown = false;
                }
                else if (clock.ElapsedMilliseconds - drawnAt >= 250)
                {
                    drawnAt = clock.ElapsedMilliseconds;
                    double rate = count / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    error.Write($"\r\u001b[2K  model: {count.ToString(CultureInfo.InvariantCulture)} tokens, "
                                + $"{rate.ToString("F1", CultureInfo.InvariantCulture)} tokens/s, {clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s");
                }
                yield return id;
            }
        }
        finally
        {
            if (shown) error.Write("\r\u001b[2K");
        }
    }
}
