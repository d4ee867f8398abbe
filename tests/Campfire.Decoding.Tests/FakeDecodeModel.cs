using Campfire.Decoding;

namespace Campfire.Decoding.Tests;

/// <summary>
/// A scripted model: step k's logits put all mass on Script[k] (cycling). Optional per-step delay, a fault at a
/// chosen step, and counters of what the producer did.
/// </summary>
internal sealed class FakeDecodeModel(int vocabulary, int[] script) : IDecodeModel
{
    private int _next;
    private int _steps;

    public int VocabularySize => vocabulary;
    public TimeSpan StepDelay { get; init; }
    public int FailAtStep { get; init; } = -1;
    public Func<Exception> Fault { get; init; } = () => new InvalidOperationException("model step failed");
    public int Steps => Volatile.Read(ref _steps);
    public int Prefills { get; private set; }
    public List<int> Fed { get; } = new();
    public ManualResetEventSlim? StepGate { get; init; }

    /// <summary>Runs at the start of every prefill.</summary>
    public Action? OnPrefill { get; init; }

    /// <summary>What the model reports it reused from its cache on every prefill (a stand-in for a KV cache).</summary>
    public int ReusedTokens { get; init; }

    public int LastReusedTokens => ReusedTokens;

    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits)
    {
        OnPrefill?.Invoke();
        Prefills++;
        _next = 0;
        Fed.AddRange(prompt.ToArray());
        Emit(logits);
    }

    public void Decode(int token, Span<float> logits)
    {
        StepGate?.Wait();
        int step = Interlocked.Increment(ref _steps);
        if (step == FailAtStep) throw Fault();
        if (StepDelay > TimeSpan.Zero) Thread.Sleep(StepDelay);
        Fed.Add(token);
        Emit(logits);
    }

    private void Emit(Span<float> logits)
    {
        logits.Fill(-10f);
        logits[script[_next++ % script.Length]] = 10f;
    }
}
