using System.Diagnostics;
using Campfire.Harmony.Engine;
using Campfire.Decoding;

namespace Campfire.Decoding.Tests;

public sealed class DecodeLoopTests
{
    private static readonly GenerationOptions Greedy = new() { MaxTokens = 100, Temperature = 0 };

    private static async Task<List<int>> Collect(IAsyncEnumerable<int> source, Func<int, Task>? each = null)
    {
        var result = new List<int>();
        await foreach (int id in source)
        {
            result.Add(id);
            if (each is not null) await each(id);
        }
        return result;
    }

    [Fact]
    public async Task Tokens_arrive_in_order_and_stop_at_the_first_stop_token_which_is_yielded()
    {
        var model = new FakeDecodeModel(16, [3, 4, 5, 9, 6]);
        var generator = new DecodeLoopGenerator(model);
        var ids = await Collect(generator.GenerateAsync(new[] { 1, 2 }, new[] { 9, 12 }, Greedy));
        Assert.Equal([3, 4, 5, 9], ids);
        Assert.Equal([1, 2, 3, 4, 5], model.Fed); // the stop token is never fed back
    }

    [Fact]
    public async Task Generation_stops_at_max_tokens_without_an_extra_model_step()
    {
        var model = new FakeDecodeModel(16, [3, 4]);
        var ids = await Collect(new DecodeLoopGenerator(model).GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 5 }));
        Assert.Equal(5, ids.Count);
        Assert.Equal(4, model.Steps);
    }

    [Fact]
    public async Task A_slow_consumer_holds_the_producer_back_to_the_channel_capacity()
    {
        var model = new FakeDecodeModel(16, [3]);
        var generator = new DecodeLoopGenerator(model, new DecodeLoopOptions { ChannelCapacity = 2 });
        int maxLead = 0;
        int consumed = 0;
        await Collect(generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 30 }), async _ =>
        {
            consumed++;
            await Task.Delay(5);
            // produced = steps + 1; at most capacity written and unread, plus one sampled and waiting to be written.
            maxLead = Math.Max(maxLead, model.Steps + 1 - consumed);
        });
        Assert.Equal(30, consumed);
        Assert.InRange(maxLead, 1, 2 + 1);
    }

    [Fact]
    public async Task Cancellation_takes_effect_within_one_step()
    {
        var model = new FakeDecodeModel(16, [3]) { StepDelay = TimeSpan.FromMilliseconds(50) };
        using var cts = new CancellationTokenSource();
        var generator = new DecodeLoopGenerator(model);
        var watch = new Stopwatch();
        int stepsAtCancel = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Collect(
            generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 1000 }, cts.Token), id =>
            {
                if (model.Steps >= 3 && !cts.IsCancellationRequested)
                {
                    stepsAtCancel = model.Steps;
                    watch.Start();
                    cts.Cancel();
                }
                return Task.CompletedTask;
            }));
        watch.Stop();
        Assert.InRange(model.Steps, stepsAtCancel, stepsAtCancel + 1);
        // The step count above is what pins "within one step"; the clock only guards against a hang, with room for
        // a loaded machine (one step is 50 ms, an ignored cancellation would run 1000 of them).
        Assert.True(watch.ElapsedMilliseconds < 10_000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_producer_exception_reaches_the_consumer_after_the_tokens_produced_before_it()
    {
        var model = new FakeDecodeModel(16, [3, 4, 5, 6, 7]) { FailAtStep = 3 };
        var received = new List<int>();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(
            new DecodeLoopGenerator(model).GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy),
            id => { received.Add(id); return Task.CompletedTask; }));
        Assert.Equal("model step failed", e.Message);
        Assert.Equal([3, 4, 5], received);
    }

    [Fact]
    public async Task An_out_of_memory_in_the_producer_reaches_the_consumer()
    {
        var model = new FakeDecodeModel(16, [3]) { FailAtStep = 1, Fault = () => new OutOfMemoryException("device out of memory") };
        var e = await Assert.ThrowsAsync<OutOfMemoryException>(() => Collect(
            new DecodeLoopGenerator(model).GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy)));
        Assert.Equal("device out of memory", e.Message);
    }

    [Fact]
    public async Task A_fault_while_the_producer_waits_on_a_full_channel_still_surfaces()
    {
        var model = new FakeDecodeModel(16, [3]) { FailAtStep = 6 };
        var generator = new DecodeLoopGenerator(model, new DecodeLoopOptions { ChannelCapacity = 1 });
        var received = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(
            generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy),
            async _ => { received++; await Task.Delay(2); }));
        Assert.Equal(6, received);
    }

    [Fact]
    public async Task Leaving_the_enumeration_early_stops_the_producer_and_frees_the_generator()
    {
        var model = new FakeDecodeModel(16, [3]);
        var generator = new DecodeLoopGenerator(model, new DecodeLoopOptions { ChannelCapacity = 1 });
        await foreach (int _ in generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 1_000_000 }))
            break;
        int steps = model.Steps;
        await Task.Delay(50);
        Assert.Equal(steps, model.Steps);
        Assert.Equal(2, (await Collect(generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 2 }))).Count);
    }

    [Fact]
    public async Task A_second_concurrent_generation_is_refused()
    {
        var gate = new ManualResetEventSlim(false);
        var model = new FakeDecodeModel(16, [3]) { StepGate = gate };
        var generator = new DecodeLoopGenerator(model);
        var first = generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 3 }).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        await Assert.ThrowsAsync<GeneratorBusyException>(() => Collect(generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy)));
        gate.Set();
        while (await first.MoveNextAsync()) { }
        await first.DisposeAsync();
    }

    [Fact]
    public async Task An_empty_prompt_is_refused_with_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<SamplingException>(() => Collect(new DecodeLoopGenerator(new FakeDecodeModel(4, [1])).GenerateAsync(ReadOnlyMemory<int>.Empty, ReadOnlyMemory<int>.Empty, Greedy)));
        Assert.Contains("prompt is empty", e.Message);
    }

    [Fact]
    public async Task The_profiler_records_prefill_steps_consumer_time_and_a_chrome_trace()
    {
        var model = new FakeDecodeModel(16, [3, 4, 5]) { StepDelay = TimeSpan.FromMilliseconds(1) };
        var profiler = new DecodeProfiler(recordTrace: true);
        var generator = new DecodeLoopGenerator(model) { Profiler = profiler };
        await Collect(generator.GenerateAsync(new[] { 1, 2, 3 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 10 }));
        Assert.Equal(3, profiler.PromptTokens);
        Assert.Equal(10, profiler.GeneratedTokens);
        Assert.Equal(9, profiler.StepMs.Count);
        Assert.Equal(10, profiler.ConsumedTokens);
        Assert.True(profiler.StepPercentile(50) >= 1);
        string table = profiler.FormatTable();
        foreach (string row in new[] { "prompt tokens", "prefill ms", "generated tokens", "decode tokens/s", "step ms p50 / p90 / p99", "parser (consumer) ns/token", "channel wait" })
            Assert.Contains(row, table);
        using var trace = new MemoryStream();
        profiler.WriteChromeTrace(trace);
        using var doc = System.Text.Json.JsonDocument.Parse(trace.ToArray());
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
        Assert.Equal(9, events.Count(e => e.GetProperty("name").GetString() == "step" && e.GetProperty("ph").GetString() == "X"));
        Assert.Single(events, e => e.GetProperty("name").GetString() == "prefill");
    }

    [Fact]
    public async Task Metrics_instruments_report_to_a_listener()
    {
        var seen = new HashSet<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DecodeMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => { lock (seen) seen.Add(instrument.Name); });
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => { lock (seen) seen.Add(instrument.Name); });
        listener.Start();
        await Collect(new DecodeLoopGenerator(new FakeDecodeModel(16, [3])).GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, Greedy with { MaxTokens = 5 }));
        lock (seen)
        {
            Assert.Contains("campfire.decode.prefill.duration", seen);
            Assert.Contains("campfire.decode.step.duration", seen);
            Assert.Contains("campfire.decode.consumer.time", seen);
            Assert.Contains("campfire.decode.generated.tokens", seen);
        }
    }

    [Fact]
    public async Task The_profile_says_per_round_how_many_prompt_tokens_were_prefilled()
    {
        var model = new FakeDecodeModel(16, [9]) { ReusedTokens = 7 };
        var profiler = new DecodeProfiler();
        ITokenGenerator generator = new DecodeLoopGenerator(model) { Profiler = profiler };
        int[] prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        await Collect(generator.GenerateAsync(new TokenGenerationRequest(prompt, new[] { 9 }, Greedy, UnchangedPrefixLength: 7)));
        await Collect(generator.GenerateAsync(prompt, new[] { 9 }, Greedy));

        Assert.Equal([(3, 10), (3, 10)], profiler.PrefillRounds);
        Assert.Contains("prefilled tokens 3 of 10\n", profiler.FormatTable());
    }
}
