using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Campfire.Harmony.Constraints;
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
        Generate(prompt, stopTokens, options, null, cancellationToken);

    /// <summary>Generates as the other overload does. A model with a KV cache keeps it between calls and prefills only
    /// what follows the prefix it shares with the new prompt (the gpt-oss model rewinds its cache there, sliding-window
    /// layers included, or prefills the whole prompt when their rings no longer reach back that far); the profile's
    /// <c>prefilled tokens N of M</c> line says which. <see cref="TokenGenerationRequest.UnchangedPrefixLength"/> is the
    /// engine's account of the same prefix; the model checks against its own record of its cache, so a generator shared
    /// by several conversations stays correct. With <see cref="TokenGenerationRequest.Constraint"/> set, each token is
    /// sampled only among the ids the constraint allows (one mask per step into a buffer rented once per run; a greedy
    /// <see cref="IMaskedGreedyDecodeModel"/> applies it on its device), the constraint advances past every token yielded,
    /// and the sequence ends once it is complete. An empty mask, or a constraint that refuses an id its own mask allowed,
    /// fails the run with <see cref="SamplingException"/>.</summary>
    /// <param name="request">The prompt, stop ids, settings, the caller's unchanged prefix and an optional constraint.</param>
    /// <param name="cancellationToken">Stops generation within one step.</param>
    public IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default) =>
        Generate(request.Prompt, request.StopTokens, request.Options, request.Constraint, cancellationToken);

    private async IAsyncEnumerable<int> Generate(
        ReadOnlyMemory<int> prompt,
        ReadOnlyMemory<int> stopTokens,
        GenerationOptions options,
        ITokenConstraint? constraint,
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
        var producer = Task.Run(() => ProduceAsync(channel.Writer, prompt, stopTokens, options, constraint, profiler, stop.Token), CancellationToken.None);
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
        GenerationOptions options, ITokenConstraint? constraint, DecodeProfiler? profiler, CancellationToken cancellationToken)
    {
        int vocabulary = _model.VocabularySize;
        float[] buffer = ArrayPool<float>.Shared.Rent(vocabulary);
        _model.AttachSpans(profiler);
        ulong[]? maskBuffer = null;
        Task<long>? firstMask = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.Seed is { } seed) _sampler.Reseed((ulong)(uint)seed);
            var logits = buffer.AsMemory(0, vocabulary);
            var greedy = options.Temperature == 0 ? _model as IGreedyDecodeModel : null;
            IMaskedGreedyDecodeModel? maskedGreedy = null;
            int constraintWords = 0, modelWords = TokenMask.WordCount(vocabulary);
            if (constraint is not null)
            {
                if (constraint.IsComplete)
                {
                    writer.TryComplete();
                    return;
                }
                constraintWords = TokenMask.WordCount(constraint.VocabularySize);
                // Rented once per run and cleared once: words past the constraint's vocabulary (a model with a larger
                // one) stay clear, so the model's extra ids are never allowed.
                maskBuffer = ArrayPool<ulong>.Shared.Rent(Math.Max(constraintWords, modelWords));
                Array.Clear(maskBuffer);
                // A greedy model that cannot mask on its device falls back to host logits and the masked sampler.
                maskedGreedy = greedy as IMaskedGreedyDecodeModel;
                if (maskedGreedy is null) greedy = null;
            }
            var mask = maskBuffer is null ? default : maskBuffer.AsMemory(0, modelWords);
            long maskTicks = 0;

            if (constraint is not null)
            {
                var words = maskBuffer.AsMemory(0, constraintWords);
                if (maskedGreedy is not null)
                {
                    // The device pick takes the mask with the prompt: the constraint is prepared and filled first.
                    PrepareConstraint(constraint, profiler);
                    maskTicks = FillMask(constraint, words.Span, vocabulary);
                }
                else
                {
                    // Prepared and filled on another thread while the model reads the prompt; this thread does not touch
                    // the constraint until it has joined.
                    firstMask = Task.Run(() =>
                    {
                        PrepareConstraint(constraint, profiler);
                        return FillMask(constraint, words.Span, vocabulary);
                    }, CancellationToken.None);
                }
            }
            // Each model call is followed by picking the token from its logits, inside the timed call: a step is what
            // one more token costs, sampling included (the greedy model picks on its side, inside its call).
            long start = Stopwatch.GetTimestamp();
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
            int next;
            if (maskedGreedy is not null) next = maskedGreedy.PrefillGreedy(prompt.Span, mask.Span);
            else if (greedy is not null) next = greedy.PrefillGreedy(prompt.Span);
            else
            {
                _model.Prefill(prompt.Span, logits.Span);
                if (firstMask is not null)
                {
                    long waitStart = Stopwatch.GetTimestamp();
                    maskTicks = firstMask.GetAwaiter().GetResult();
                    profiler?.PrefillWaitedForMask(waitStart, Stopwatch.GetTimestamp());
                }
                next = Sample(logits.Span, options, profiler, mask.Span);
            }
            long end = Stopwatch.GetTimestamp();
            var prefillJit = System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jitBefore;
            DecodeMetrics.PrefillDuration.Record(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            DecodeMetrics.PromptTokens.Add(prompt.Length);
            profiler?.Prefill(prompt.Length, start, end, prefillJit);
            profiler?.Prefilled(prompt.Length - Math.Clamp(_model.LastReusedTokens, 0, prompt.Length), prompt.Length);

            for (int produced = 1; ; produced++)
            {
                int id = next;
                if (constraint is not null)
                {
                    long acceptStart = Stopwatch.GetTimestamp();
                    Accept(constraint, id, mask.Span);
                    long acceptEnd = Stopwatch.GetTimestamp();
                    maskTicks += acceptEnd - acceptStart;
                    double us = Stopwatch.GetElapsedTime(0, maskTicks).TotalMicroseconds;
                    DecodeMetrics.MaskDuration.Record(us);
                    profiler?.Mask(acceptEnd - maskTicks, acceptEnd);
                }
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
                // A complete constraint allows nothing more: the sequence ends with the terminator it accepted.
                if (constraint is not null && constraint.IsComplete) break;

                cancellationToken.ThrowIfCancellationRequested();
                if (constraint is not null) maskTicks = FillMask(constraint, maskBuffer!.AsSpan(0, constraintWords), vocabulary);
                start = Stopwatch.GetTimestamp();
                next = maskedGreedy is not null ? maskedGreedy.DecodeGreedy(id, mask.Span)
                    : greedy is not null ? greedy.DecodeGreedy(id)
                    : DecodeAndSample(id, logits.Span, options, profiler, mask.Span);
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
            // The first mask may still be filling the rented buffer when the prefill failed.
            if (firstMask is not null)
            {
                try
                {
                    firstMask.Wait(CancellationToken.None);
                }
                catch (Exception)
                {
                    // Already delivered when it mattered; the run is over.
                }
            }
            _model.AttachSpans(null);
            ArrayPool<float>.Shared.Return(buffer);
            if (maskBuffer is not null) ArrayPool<ulong>.Shared.Return(maskBuffer);
        }
    }

    private int DecodeAndSample(int token, Span<float> logits, GenerationOptions options, DecodeProfiler? profiler,
        ReadOnlySpan<ulong> mask)
    {
        _model.Decode(token, logits);
        return Sample(logits, options, profiler, mask);
    }

    /// <summary>Samples from the logits, only among the mask's ids when there is one (a constrained run).</summary>
    private int Sample(Span<float> logits, GenerationOptions options, DecodeProfiler? profiler, ReadOnlySpan<ulong> mask)
    {
        long start = profiler is null ? 0 : Stopwatch.GetTimestamp();
        int id = mask.IsEmpty
            ? _sampler.Sample(logits, options.Temperature, options.TopP)
            : _sampler.Sample(logits, options.Temperature, options.TopP, mask);
        if (profiler is not null) profiler.Record(DecodeSpan.Sampling, start, Stopwatch.GetTimestamp());
        return id;
    }

    private static void PrepareConstraint(ITokenConstraint constraint, DecodeProfiler? profiler)
    {
        long start = Stopwatch.GetTimestamp();
        constraint.Prepare();
        profiler?.MaskPrepared(start, Stopwatch.GetTimestamp());
    }

    /// <summary>Writes the constraint's mask for the next token; returns the ticks it took. An empty mask is reported
    /// here, before a model step is spent on it.</summary>
    private static long FillMask(ITokenConstraint constraint, Span<ulong> mask, int vocabulary)
    {
        long start = Stopwatch.GetTimestamp();
        constraint.WriteAllowedTokens(mask);
        long ticks = Stopwatch.GetTimestamp() - start;
        TokenSampler.EnsureAnyAllowed(mask, vocabulary);
        return ticks;
    }

    private static void Accept(ITokenConstraint constraint, int id, ReadOnlySpan<ulong> mask)
    {
        if (!TokenMask.IsAllowed(mask, id))
            throw new SamplingException($"token {id} was picked although the constraint's mask does not allow it (a model's masked pick went wrong)");
        if (!constraint.TryAccept(id))
            throw new SamplingException($"the constraint refused token {id}, which its own mask allowed (its mask and TryAccept disagree)");
    }
}
