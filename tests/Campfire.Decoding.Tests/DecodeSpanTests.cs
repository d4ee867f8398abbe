using System.Diagnostics;
using Campfire.Harmony.Engine;

namespace Campfire.Decoding.Tests;

/// <summary>A model's step parts reach the profiler through the loop, per phase, and only while a profiled run lasts.</summary>
public sealed class DecodeSpanTests
{
    /// <summary>Reports a 2 ms attention span inside every call; remembers which sink it was given.</summary>
    private sealed class SpanReportingModel : IDecodeModel
    {
        public IDecodeSpanSink? Sink { get; private set; }
        public int SinksAttached { get; private set; }
        public int VocabularySize => 8;

        public void AttachSpans(IDecodeSpanSink? sink)
        {
            Sink = sink;
            if (sink is not null) SinksAttached++;
        }

        public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits) => Step(logits);
        public void Decode(int token, Span<float> logits) => Step(logits);

        private void Step(Span<float> logits)
        {
            long start = Stopwatch.GetTimestamp();
            Thread.Sleep(2);
            Sink?.Record(DecodeSpan.Attention, start, Stopwatch.GetTimestamp());
            logits.Clear();
            logits[3] = 10;
        }
    }

    [Fact]
    public async Task Spans_are_counted_per_step_and_prefill_and_sampling_is_timed_inside_the_step()
    {
        var model = new SpanReportingModel();
        var profiler = new DecodeProfiler();
        var generator = new DecodeLoopGenerator(model) { Profiler = profiler };
        await foreach (int _ in generator.GenerateAsync(new[] { 1, 2 }, ReadOnlyMemory<int>.Empty, new GenerationOptions { MaxTokens = 5, Temperature = 1, Seed = 1 }))
        {
        }

        Assert.Equal(4, profiler.StepMs.Count);
        Assert.InRange(profiler.StepSpanMs(DecodeSpan.Attention), 2, profiler.StepMeanMs);
        Assert.InRange(profiler.PrefillSpanMs(DecodeSpan.Attention), 2, profiler.PrefillMs);
        Assert.True(profiler.StepSpanMs(DecodeSpan.Sampling) > 0);
        Assert.True(profiler.StepSpanMs(DecodeSpan.Attention) + profiler.StepSpanMs(DecodeSpan.Sampling) <= profiler.StepMeanMs);
        Assert.Contains("step breakdown (mean)        attention ", profiler.FormatTable());
        Assert.Null(model.Sink);
    }

    [Fact]
    public void The_table_shows_the_prefills_jit_time_when_methods_were_compiled_during_it()
    {
        var profiler = new DecodeProfiler();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        profiler.Prefill(3, start, start + System.Diagnostics.Stopwatch.Frequency / 10, TimeSpan.FromMilliseconds(42.5));
        Assert.Equal(42.5, profiler.PrefillJitMs);
        Assert.Contains("prefill jit ms               42.50 (compiling methods on first call, on the prefill's thread)", profiler.FormatTable());

        var warm = new DecodeProfiler();
        warm.Prefill(3, start, start + 1);
        Assert.DoesNotContain("prefill jit ms", warm.FormatTable());
    }

    [Fact]
    public async Task A_run_without_a_profiler_gives_the_model_no_sink()
    {
        var model = new SpanReportingModel();
        var generator = new DecodeLoopGenerator(model);
        await foreach (int _ in generator.GenerateAsync(new[] { 1 }, ReadOnlyMemory<int>.Empty, new GenerationOptions { MaxTokens = 3 }))
        {
        }
        Assert.Equal(0, model.SinksAttached);
        Assert.Null(model.Sink);
    }
}
