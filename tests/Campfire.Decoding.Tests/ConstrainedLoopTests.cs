using Campfire.Decoding;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Engine;

namespace Campfire.Decoding.Tests;

/// <summary>Greedy on its "device": records every mask it is given and picks the masked argmax of a scripted row.</summary>
internal sealed class FakeMaskedGreedyModel(int vocabulary, int favourite) : IMaskedGreedyDecodeModel
{
    public int VocabularySize => vocabulary;
    public List<ulong[]> Masks { get; } = new();
    public int HostLogitCalls { get; private set; }
    public int UnmaskedGreedyCalls { get; private set; }
    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits) { HostLogitCalls++; Row(logits); }
    public void Decode(int token, Span<float> logits) { HostLogitCalls++; Row(logits); }
    public int PrefillGreedy(ReadOnlySpan<int> prompt) { UnmaskedGreedyCalls++; return favourite; }
    public int DecodeGreedy(int token) { UnmaskedGreedyCalls++; return favourite; }
    public int PrefillGreedy(ReadOnlySpan<int> prompt, ReadOnlySpan<ulong> mask) => Pick(mask);
    public int DecodeGreedy(int token, ReadOnlySpan<ulong> mask) => Pick(mask);

    private void Row(Span<float> logits)
    {
        for (int i = 0; i < logits.Length; i++) logits[i] = -i;
        logits[favourite] = 100;
    }

    private int Pick(ReadOnlySpan<ulong> mask)
    {
        Masks.Add(mask.ToArray());
        var logits = new float[vocabulary];
        Row(logits);
        return TokenSampler.MaskedArgMax(logits, mask);
    }
}

public sealed class ConstrainedLoopTests
{
    private static async Task<List<int>> Collect(IAsyncEnumerable<int> source)
    {
        var result = new List<int>();
        await foreach (int id in source) result.Add(id);
        return result;
    }

    private static TokenGenerationRequest Request(ITokenConstraint constraint, GenerationOptions options, params int[] stops) =>
        new(new[] { 1, 2 }, stops, options, Constraint: constraint);

    [Fact]
    public async Task Sampled_tokens_stay_inside_the_constraint_and_the_run_ends_when_it_is_complete()
    {
        // The model wants 5 every time; the constraint allows only multiples of 4 and is complete after 6 tokens.
        var model = new FakeDecodeModel(64, [5]);
        var constraint = new RuleConstraint(64, (_, id) => id % 4 == 0, length: 6);
        var generator = new DecodeLoopGenerator(model);
        var ids = await Collect(generator.GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 50, Temperature = 1, Seed = 3 })));
        Assert.Equal(6, ids.Count);
        Assert.All(ids, id => Assert.Equal(0, id % 4));
        Assert.Equal(ids, constraint.Accepted);
        Assert.Equal(5, model.Steps); // no model step after the constraint completed
    }

    [Fact]
    public async Task Greedy_on_host_logits_takes_the_masked_argmax_at_each_step()
    {
        // Step k allows only id 10 + k: the run must spell 10, 11, 12... whatever the model prefers.
        var model = new FakeDecodeModel(64, [3]);
        var constraint = new RuleConstraint(64, (step, id) => id == 10 + step, length: 4);
        var ids = await Collect(new DecodeLoopGenerator(model).GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 50, Temperature = 0 })));
        Assert.Equal([10, 11, 12, 13], ids);
        Assert.Equal([1, 2, 10, 11, 12], model.Fed);
    }

    [Fact]
    public async Task A_masked_greedy_model_gets_the_mask_for_every_step_including_the_prefill()
    {
        var model = new FakeMaskedGreedyModel(200, favourite: 150);
        var constraint = new RuleConstraint(200, (step, id) => step < 2 ? id >= 100 && id != 150 : id == 150, length: 3);
        var ids = await Collect(new DecodeLoopGenerator(model).GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 50, Temperature = 0 })));
        Assert.Equal([100, 100, 150], ids);
        Assert.Equal(3, model.Masks.Count);
        Assert.All(model.Masks, m => Assert.Equal(TokenMask.WordCount(200), m.Length));
        Assert.Equal(99, TokenMask.CountAllowed(model.Masks[0]));
        Assert.Equal(0, model.HostLogitCalls);
        Assert.Equal(0, model.UnmaskedGreedyCalls);
    }

    [Fact]
    public async Task A_greedy_model_without_masking_falls_back_to_host_logits()
    {
        var model = new ScriptedGreedyHostModel(32, favourite: 7);
        var constraint = new RuleConstraint(32, (_, id) => id == 9, length: 2);
        var ids = await Collect(new DecodeLoopGenerator(model).GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 5, Temperature = 0 })));
        Assert.Equal([9, 9], ids);
        Assert.Equal(0, model.GreedyCalls);
    }

    [Fact]
    public async Task A_stop_token_still_ends_a_constrained_run()
    {
        var constraint = new RuleConstraint(64, (step, id) => id == 20 + step);
        var ids = await Collect(new DecodeLoopGenerator(new FakeDecodeModel(64, [1])).GenerateAsync(
            Request(constraint, new GenerationOptions { MaxTokens = 50, Temperature = 0 }, 23)));
        Assert.Equal([20, 21, 22, 23], ids);
    }

    [Fact]
    public async Task Ids_past_a_smaller_constraint_vocabulary_are_never_allowed()
    {
        // The model's vocabulary is larger (as a padded unembedding can be); its favourite id lies past the grammar's.
        var model = new FakeDecodeModel(300, [250]);
        var constraint = new RuleConstraint(100, (_, id) => id >= 90, length: 20);
        var ids = await Collect(new DecodeLoopGenerator(model).GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 20, Temperature = 1, Seed = 1 })));
        Assert.All(ids, id => Assert.InRange(id, 90, 99));
    }

    [Fact]
    public async Task An_empty_mask_fails_the_run_with_a_clear_error()
    {
        var constraint = new RuleConstraint(64, (step, id) => step == 0 && id == 4);
        var e = await Assert.ThrowsAsync<SamplingException>(() => Collect(new DecodeLoopGenerator(new FakeDecodeModel(64, [1])).GenerateAsync(
            Request(constraint, new GenerationOptions { MaxTokens = 50, Temperature = 1 }))));
        Assert.Contains("allows no token", e.Message);
        Assert.Equal([4], constraint.Accepted);
    }

    [Fact]
    public async Task A_constraint_that_refuses_an_id_its_mask_allowed_fails_the_run_naming_the_id()
    {
        var constraint = new RuleConstraint(64, (_, id) => id == 33) { RefuseId = 33 };
        var e = await Assert.ThrowsAsync<SamplingException>(() => Collect(new DecodeLoopGenerator(new FakeDecodeModel(64, [1])).GenerateAsync(
            Request(constraint, new GenerationOptions { MaxTokens = 50, Temperature = 0 }))));
        Assert.Contains("token 33", e.Message);
    }

    [Fact]
    public async Task A_complete_constraint_generates_nothing()
    {
        var constraint = new RuleConstraint(64, (_, id) => true, length: 1);
        Assert.True(constraint.TryAccept(5));
        var model = new FakeDecodeModel(64, [1]);
        Assert.Empty(await Collect(new DecodeLoopGenerator(model).GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 5 }))));
        Assert.Equal(0, model.Prefills);
    }

    [Fact]
    public async Task The_profile_prints_mask_microseconds_per_token_p50_and_p99()
    {
        var profiler = new DecodeProfiler();
        var generator = new DecodeLoopGenerator(new FakeDecodeModel(64, [1])) { Profiler = profiler };
        await Collect(generator.GenerateAsync(Request(new RuleConstraint(64, (_, id) => id > 30), new GenerationOptions { MaxTokens = 40, Temperature = 1 })));
        Assert.Equal(40, profiler.MaskMicroseconds.Count);
        Assert.True(profiler.MaskMicroseconds.Percentile(99) >= profiler.MaskMicroseconds.Percentile(50));
        Assert.Matches(@"\nmask us/token p50 \d+\.\d p99 \d+\.\d \(40 tokens", profiler.FormatTable());

        var plain = new DecodeProfiler();
        generator.Profiler = plain;
        await Collect(generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, new GenerationOptions { MaxTokens = 5 }));
        Assert.DoesNotContain("mask", plain.FormatTable());
    }

    [Fact]
    public async Task The_constraint_is_prepared_once_while_the_model_reads_the_prompt_before_its_first_mask()
    {
        // Prepare is held until the model's prefill has started: the two overlap, and the first mask comes after both.
        using var prefillStarted = new ManualResetEventSlim();
        var model = new FakeDecodeModel(64, [1]) { OnPrefill = () => prefillStarted.Set() };
        var constraint = new RuleConstraint(64, (_, id) => id % 2 == 1, length: 4)
        {
            OnPrepare = () => Assert.True(prefillStarted.Wait(TimeSpan.FromSeconds(30)), "the prefill did not start while the constraint was being prepared"),
        };
        var profiler = new DecodeProfiler();
        var ids = await Collect(new DecodeLoopGenerator(model) { Profiler = profiler }.GenerateAsync(
            Request(constraint, new GenerationOptions { MaxTokens = 10, Temperature = 1, Seed = 2 })));
        Assert.Equal(4, ids.Count);
        Assert.Equal(["prepare", "mask", "accept", "mask", "accept", "mask", "accept", "mask", "accept"], constraint.Calls);
        Assert.Matches(@"\nmask prepare ms \d+\.\d\d \(once per grammar and process, beside the prefill; the prefill waited \d+\.\d\d ms for it\)", profiler.FormatTable());
    }

    [Fact]
    public async Task A_masked_greedy_model_gets_a_prepared_constraint_before_the_prefill()
    {
        var constraint = new RuleConstraint(64, (_, id) => id > 40, length: 2);
        var model = new FakeMaskedGreedyModel(64, favourite: 7);
        var ids = await Collect(new DecodeLoopGenerator(model).GenerateAsync(Request(constraint, new GenerationOptions { MaxTokens = 5, Temperature = 0 })));
        Assert.Equal([41, 41], ids);
        Assert.Equal(["prepare", "mask", "accept", "mask", "accept"], constraint.Calls);
    }

    [Fact]
    public async Task A_failing_prefill_waits_for_the_first_mask_before_the_run_ends()
    {
        using var release = new ManualResetEventSlim();
        var model = new FakeDecodeModel(64, [1]) { OnPrefill = () => throw new InvalidOperationException("prefill failed") };
        var constraint = new RuleConstraint(64, (_, _) => true)
        {
            OnPrepare = () => release.Wait(TimeSpan.FromMilliseconds(200)),
        };
        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(new DecodeLoopGenerator(model).GenerateAsync(
            Request(constraint, new GenerationOptions { MaxTokens = 3, Temperature = 1 }))));
        // The run has ended only after the background mask finished writing into the rented buffer.
        Assert.Equal(1, constraint.MasksWritten);
        Assert.Equal(["prepare", "mask"], constraint.Calls);
    }

    [Fact]
    public async Task The_mask_time_reaches_a_metrics_listener()
    {
        var seen = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "campfire.decode.mask.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref seen));
        listener.Start();
        await Collect(new DecodeLoopGenerator(new FakeDecodeModel(64, [1])).GenerateAsync(
            Request(new RuleConstraint(64, (_, id) => id > 30), new GenerationOptions { MaxTokens = 7, Temperature = 1 })));
        Assert.True(Volatile.Read(ref seen) >= 7);
    }
}

/// <summary>A greedy model without masking: greedy picks go to its favourite; host logits favour it too.</summary>
internal sealed class ScriptedGreedyHostModel(int vocabulary, int favourite) : IGreedyDecodeModel
{
    public int VocabularySize => vocabulary;
    public int GreedyCalls { get; private set; }
    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits) => Row(logits);
    public void Decode(int token, Span<float> logits) => Row(logits);
    public int PrefillGreedy(ReadOnlySpan<int> prompt) { GreedyCalls++; return favourite; }
    public int DecodeGreedy(int token) { GreedyCalls++; return favourite; }
    private void Row(Span<float> logits) { logits.Fill(0); logits[favourite] = 10; }
}
