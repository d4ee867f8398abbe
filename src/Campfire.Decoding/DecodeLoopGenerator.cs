using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Campfire.Harmony.Engine;

namespace Campfire.Decoding;

/// <summary>
/// The decode loop as an <see cref="ITokenGenerator"/>: a producer task runs the model (prefill, then one step per
/// token), samples each next token and writes it into a bounded channel; the enumerator the caller consumes reads the
/// channel. A full channel makes the producer wait (backpressure). Cancellation is seen by the producer before every
/// step, so it takes effect within one step; a producer exception (including an out-of-memory) completes the channel
/// with that exception, so the consumer gets it instead of a short answer or a hang. Abandoning the enumeration stops
/// the producer. One generation at a time per model instance, across all generators over it.
/// </summary>
public sealed class DecodeLoopGenerator : ITokenGenerator
{
    private readonly IDecodeModel _model;
    private readonly DecodeLoopOptions _options;
    private readonly TokenSampler _sampler;
    private readonly StrongBox<int> _busy;

    /// <summary>One busy flag per model instance, shared by every generator over it: a model has one KV cache.</summary>
    private static readonly ConditionalWeakTable<IDecodeModel, StrongBox<int>> BusyByModel = new();

    public DecodeLoopGenerator(IDecodeModel model, DecodeLoopOptions? options = null)
    {
        _model = model;
        _options = options ?? new DecodeLoopOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.ChannelCapacity);
        _sampler = new TokenSampler(model.VocabularySize, (ulong)Environment.TickCount64);
        _busy = BusyByModel.GetValue(model, _ => new StrongBox<int>());
    }

    /// <summary>Receives the timings of the following runs when set (for <c>--profile</c> / <c>--trace</c>).</summary>
    public DecodeProfiler? Profiler { get; set; }

    public IAsyncEnumerable<int> GenerateAsync(
        ReadOnlyMemory<int> prompt,
        ReadOnlyMemory<int> stopTokens,
        GenerationOptions options,
        CancellationToken cancellationToken = default) =>
        GenerateAsync(new TokenGenerationRequest(prompt, stopTokens, options), cancellationToken);

    /// <summary>Generates as the other overload does. A model with a KV cache keeps it between calls and prefills only
    /// what follows the prefix it shares with the new prompt (the gpt-oss model rewinds its cache there, sliding-window
    /// layers included, or prefills the whole prompt when their rings no longer reach back that far); the profile's
    /// <c>prefilled tokens N of M</c> line says which. <see cref="TokenGenerationRequest.UnchangedPrefixLength"/> is the
    /// engine's account of the same prefix; the model checks against its own record of its cache, so a generator shared
    /// by several conversations stays correct.</summary>
    /// <param name="request">The prompt, stop ids, settings and the caller's unchanged prefix.</param>
    /// <param name="cancellationToken">Stops generation within one step.</param>
    public IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default) =>
        Generate(request.Prompt, request.StopTokens, request.Options, cancellationToken);

    private async IAsyncEnumerable<int> Generate(
        ReadOnlyMemory<int> prompt,
        ReadOnlyMemory<int> stopTokens,
        GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.IsEmpty) throw new SamplingException("the prompt is empty: the model needs at least one token to continue");
        if (options.MaxTokens <= 0) yield break;
        if (Interlocked.Exchange(ref _busy.Value, 1) == 1) throw new GeneratorBusyException();

        var profiler = Profiler;
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        profiler?.RunStarted();
        var producer = Task.Run(() => ProduceAsync(channel.Writer, prompt, stopTokens, options, profiler, stop.Token), CancellationToken.None);
        var reader = channel.Reader;
        var stops = stopTokens;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out int id))
                {
                    long waitStart = Stopwatch.GetTimestamp();
                    // Throws the producer's exception when it failed or was cancelled.
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false)) break;
                    long waitEnd = Stopwatch.GetTimestamp();
                    DecodeMetrics.ChannelWait.Record(Stopwatch.GetElapsedTime(waitStart, waitEnd).TotalMilliseconds);
                    profiler?.ChannelWait(waitStart, waitEnd);
                    continue;
                }
                long yielded = Stopwatch.GetTimestamp();
                yield return id;
                long resumed = Stopwatch.GetTimestamp();
                DecodeMetrics.ConsumerTime.Record(Stopwatch.GetElapsedTime(yielded, resumed).TotalNanoseconds);
                profiler?.Consumer(yielded, resumed);
                if (stops.Span.Contains(id)) break;
            }
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            // Stop the producer if the consumer left early; a producer waiting on a full channel sees the completion.
            stop.Cancel();
            channel.Writer.TryComplete();
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already delivered through the channel, or the consumer is leaving anyway.
            }
            profiler?.RunFinished();
            Volatile.Write(ref _busy.Value, 0);
        }
    }

    private async Task ProduceAsync(ChannelWriter<int> writer, ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens,
        GenerationOptions options, DecodeProfiler? profiler, CancellationToken cancellationToken)
    {
        int vocabulary = _model.VocabularySize;
        float[] buffer = ArrayPool<float>.Shared.Rent(vocabulary);
        _model.AttachSpans(profiler);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.Seed is { } seed) _sampler.Reseed((ulong)(uint)seed);
            var logits = buffer.AsMemory(0, vocabulary);
            var greedy = options.Temperature == 0 ? _model as IGreedyDecodeModel : null;

            // Each model call is followed by picking the token from its logits, inside the timed call: a step is what
            // one more token costs, sampling included (the greedy model picks on its side, inside its call).
            long start = Stopwatch.GetTimestamp();
            int next = greedy is not null ? greedy.PrefillGreedy(prompt.Span) : PrefillAndSample(prompt.Span, logits.Span, options, profiler);
            long end = Stopwatch.GetTimestamp();
            DecodeMetrics.PrefillDuration.Record(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            DecodeMetrics.PromptTokens.Add(prompt.Length);
            profiler?.Prefill(prompt.Length, start, end);
            profiler?.Prefilled(prompt.Length - Math.Clamp(_model.LastReusedTokens, 0, prompt.Length), prompt.Length);

            for (int produced = 1; ; produced++)
            {
                int id = next;
                DecodeMetrics.GeneratedTokens.Add(1);
                profiler?.Generated();
                if (!writer.TryWrite(id))
                {
                    long waitStart = Stopwatch.GetTimestamp();
                    await writer.WriteAsync(id).ConfigureAwait(false);
                    long waitEnd = Stopwatch.GetTimestamp();
                    DecodeMetrics.BackpressureWait.Record(Stopwatch.GetElapsedTime(waitStart, waitEnd).TotalMilliseconds);
                    profiler?.Backpressure(waitStart, waitEnd);
                }
                if (produced >= options.MaxTokens || stopTokens.Span.Contains(id)) break;

                cancellationToken.ThrowIfCancellationRequested();
                start = Stopwatch.GetTimestamp();
                next = greedy is not null ? greedy.DecodeGreedy(id) : DecodeAndSample(id, logits.Span, options, profiler);
                end = Stopwatch.GetTimestamp();
                DecodeMetrics.StepDuration.Record(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
                profiler?.Step(start, end);
            }
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
        finally
        {
            _model.AttachSpans(null);
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private int PrefillAndSample(ReadOnlySpan<int> prompt, Span<float> logits, GenerationOptions options, DecodeProfiler? profiler)
    {
        _model.Prefill(prompt, logits);
        return Sample(logits, options, profiler);
    }

    private int DecodeAndSample(int token, Span<float> logits, GenerationOptions options, DecodeProfiler? profiler)
    {
        _model.Decode(token, logits);
        return Sample(logits, options, profiler);
    }

    private int Sample(Span<float> logits, GenerationOptions options, DecodeProfiler? profiler)
    {
        long start = profiler is null ? 0 : Stopwatch.GetTimestamp();
        int id = _sampler.Sample(logits, options.Temperature, options.TopP);
        if (profiler is not null) profiler.Record(DecodeSpan.Sampling, start, Stopwatch.GetTimestamp());
        return id;
    }
}
