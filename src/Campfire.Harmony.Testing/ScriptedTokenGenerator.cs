using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Testing;

/// <summary>
/// A stand-in for a model: replays prepared Harmony completions, one per <see cref="GenerateAsync(TokenGenerationRequest, CancellationToken)"/> call, for tests,
/// benchmarks and <c>campfire demo</c> (no weights ship with the project). Like a real generator it stops after the
/// first stop token (which it yields) or at <see cref="GenerationOptions.MaxTokens"/>, and honours cancellation
/// between tokens. Thread-safe only for one conversation at a time, like the engine.
/// </summary>
public sealed class ScriptedTokenGenerator : ITokenGenerator
{
    private readonly ImmutableArray<ImmutableArray<int>> _turns;
    private readonly List<ImmutableArray<int>> _prompts = [];
    private int _next;

    public ScriptedTokenGenerator(IEnumerable<IReadOnlyList<int>> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        _turns = [.. turns.Select(t => (t ?? throw new ArgumentException("A scripted turn is null.", nameof(turns))).ToImmutableArray())];
        if (_turns.IsEmpty) throw new ArgumentException("A script needs at least one turn.", nameof(turns));
    }

    /// <summary>Turns written as Harmony text (special tokens as <c>&lt;|call|&gt;</c> etc.), each the model's output
    /// after the <c>&lt;|start|&gt;assistant</c> prefill.</summary>
    public static ScriptedTokenGenerator FromHarmonyText(params IEnumerable<string> completions) =>
        FromHarmonyText(completions, TimeSpan.Zero);

    /// <summary>Turns written as Harmony text, replayed with <paramref name="tokenDelay"/> before each token.</summary>
    public static ScriptedTokenGenerator FromHarmonyText(IEnumerable<string> completions, TimeSpan tokenDelay)
    {
        ArgumentNullException.ThrowIfNull(completions);
        return new ScriptedTokenGenerator(completions.Select(c => (IReadOnlyList<int>)O200kHarmonyTokenizer.Instance.EncodeToIds(c, allowSpecialTokens: true)))
        {
            TokenDelay = tokenDelay,
        };
    }

    /// <summary>Wait this long before each token (to make the demo or cancellation tests look like a real model).</summary>
    public TimeSpan TokenDelay { get; init; }

    /// <summary>The prompts received, in order (what the engine rendered for each turn).</summary>
    public IReadOnlyList<ImmutableArray<int>> Prompts => _prompts;

    public int TurnCount => _turns.Length;

    /// <summary>Turns replayed so far.</summary>
    public int TurnsPlayed => _next;

    /// <summary>Starts the script over (for benchmarks that run the same conversation many times).</summary>
    public void Rewind()
    {
        _next = 0;
        _prompts.Clear();
    }

    public IAsyncEnumerable<int> GenerateAsync(
        ReadOnlyMemory<int> prompt,
        ReadOnlyMemory<int> stopTokens,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_next >= _turns.Length)
            throw new ScriptExhaustedException(_turns.Length);
        _prompts.Add([.. prompt.Span]);
        return Replay(_turns[_next++], stopTokens, options.MaxTokens, cancellationToken);
    }

    /// <summary>As the other overload; when the request carries a constraint, every scripted token must pass
    /// <see cref="Campfire.Harmony.Constraints.ITokenConstraint.TryAccept"/> (it is advanced past each one, as a
    /// constrained sampler would), else <see cref="ScriptRejectedByConstraintException"/> is thrown.</summary>
    public IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request.Options);
        if (_next >= _turns.Length)
            throw new ScriptExhaustedException(_turns.Length);
        _prompts.Add([.. request.Prompt.Span]);
        int turn = _next++;
        return Replay(_turns[turn], request.StopTokens, request.Options.MaxTokens, cancellationToken, request.Constraint, turn + 1);
    }

    private async IAsyncEnumerable<int> Replay(
        ImmutableArray<int> turn, ReadOnlyMemory<int> stopTokens, int maxTokens, [EnumeratorCancellation] CancellationToken cancellationToken,
        Campfire.Harmony.Constraints.ITokenConstraint? constraint = null, int turnNumber = 0)
    {
        var limit = Math.Min(turn.Length, Math.Max(0, maxTokens));
        for (var i = 0; i < limit; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TokenDelay > TimeSpan.Zero) await Task.Delay(TokenDelay, cancellationToken).ConfigureAwait(false);
            var token = turn[i];
            if (constraint is not null && !constraint.TryAccept(token))
                throw new ScriptRejectedByConstraintException(turnNumber, i, token,
                    O200kHarmonyTokenizer.Instance.Decode(turn.AsSpan(Math.Max(0, i - 12), Math.Min(i, 12))));
            yield return token;
            if (stopTokens.Span.Contains(token)) yield break;
        }
    }
}
