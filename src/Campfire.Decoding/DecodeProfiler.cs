using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Campfire.Decoding;

/// <summary>
/// Per-run timings of the decode loop for <c>--profile</c> (a table) and <c>--trace</c> (Chrome trace JSON, open in
/// chrome://tracing or Perfetto). Producer-side and consumer-side figures are written by their own threads and read
/// after the run has finished.
/// </summary>
public sealed class DecodeProfiler : IDecodeSpanSink
{
    private static readonly int SpanCount = Enum.GetValues<DecodeSpan>().Length;

    // Span ticks since the last prefill or step, then their totals per phase (written by the producer thread only).
    private readonly long[] _pendingSpanTicks = new long[SpanCount];
    private readonly long[] _stepSpanTicks = new long[SpanCount];
    private readonly long[] _prefillSpanTicks = new long[SpanCount];
    private bool _hasSpans;

    private readonly List<double> _stepMs = new(256);
    private readonly List<TraceEvent>? _events;
    private readonly long _origin = Stopwatch.GetTimestamp();

    public DecodeProfiler(bool recordTrace = false)
    {
        if (recordTrace) _events = new List<TraceEvent>(1024);
    }

    public int PromptTokens { get; private set; }
    public double PrefillMs { get; private set; }

    /// <summary>Of <see cref="PrefillMs"/>, the time the prefill's thread spent compiling methods on their first call.</summary>
    public double PrefillJitMs { get; private set; }
    public int GeneratedTokens { get; private set; }
    public double ConsumerNsTotal { get; private set; }
    public int ConsumedTokens { get; private set; }
    public double ChannelWaitMs { get; private set; }
    public double BackpressureWaitMs { get; private set; }
    public double WallMs { get; private set; }

    /// <summary>Time the host took to load the model before the runs (0 when not told).</summary>
    public double LoadMs { get; set; }
    public IReadOnlyList<double> StepMs => _stepMs;

    private long _runStart;
    private readonly List<(int Fed, int Prompt)> _rounds = [];

    /// <summary>Per generation round: prompt tokens fed to the model (the rest came from its KV cache) and the
    /// prompt's length.</summary>
    public IReadOnlyList<(int Fed, int Prompt)> PrefillRounds => _rounds;

    internal void Prefilled(int fed, int prompt)
    {
        lock (_rounds) _rounds.Add((fed, prompt));
    }

    internal void RunStarted() => _runStart = Stopwatch.GetTimestamp();

    internal void RunFinished() => WallMs += Stopwatch.GetElapsedTime(_runStart).TotalMilliseconds;

    internal void Prefill(int tokens, long start, long end, TimeSpan jit = default)
    {
        PromptTokens += tokens;
        PrefillMs += Ms(start, end);
        PrefillJitMs += jit.TotalMilliseconds;
        Trace("prefill", 1, start, end);
        MovePendingSpans(_prefillSpanTicks);
    }

    internal void Step(long start, long end)
    {
        lock (_stepMs) _stepMs.Add(Ms(start, end));
        Trace("step", 1, start, end);
        MovePendingSpans(_stepSpanTicks);
    }

    internal void Generated() => GeneratedTokens++;

    /// <summary>A part of the model call in progress: it counts towards that prefill or step.</summary>
    public void Record(DecodeSpan span, long startTimestamp, long endTimestamp)
    {
        _pendingSpanTicks[(int)span] += endTimestamp - startTimestamp;
        _hasSpans = true;
        Trace(SpanName(span), 1, startTimestamp, endTimestamp);
    }

    private void MovePendingSpans(long[] phase)
    {
        for (int i = 0; i < phase.Length; i++)
        {
            phase[i] += _pendingSpanTicks[i];
            _pendingSpanTicks[i] = 0;
        }
    }

    private static string SpanName(DecodeSpan span) => span switch
    {
        DecodeSpan.Attention => "attention",
        DecodeSpan.MixtureOfExperts => "moe",
        DecodeSpan.Router => "router",
        DecodeSpan.Experts => "experts",
        DecodeSpan.Unembedding => "unembedding",
        DecodeSpan.Sampling => "sampling",
        _ => span.ToString(),
    };

    /// <summary>Mean milliseconds per decode step spent in <paramref name="span"/> (0 when the model reports no parts).</summary>
    public double StepSpanMs(DecodeSpan span) => _stepMs.Count == 0 ? 0 : Ticks(_stepSpanTicks[(int)span]) / _stepMs.Count;

    /// <summary>Milliseconds of all prefills spent in <paramref name="span"/>.</summary>
    public double PrefillSpanMs(DecodeSpan span) => Ticks(_prefillSpanTicks[(int)span]);

    /// <summary>Mean milliseconds of a decode step.</summary>
    public double StepMeanMs
    {
        get
        {
            lock (_stepMs) return _stepMs.Count == 0 ? 0 : _stepMs.Average();
        }
    }

    private static double Ticks(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private string Breakdown(Func<DecodeSpan, double> ms, double whole)
    {
        var c = CultureInfo.InvariantCulture;
        double parts = ms(DecodeSpan.Attention) + ms(DecodeSpan.MixtureOfExperts) + ms(DecodeSpan.Unembedding) + ms(DecodeSpan.Sampling);
        // The MoE's own split is shown only when the model reports it.
        string split = _stepSpanTicks[(int)DecodeSpan.Router] + _prefillSpanTicks[(int)DecodeSpan.Router] > 0
            ? string.Create(c, $" (router {ms(DecodeSpan.Router):F2}, experts {ms(DecodeSpan.Experts):F2})")
            : "";
        return string.Create(c,
            $"attention {ms(DecodeSpan.Attention):F2} ms, moe {ms(DecodeSpan.MixtureOfExperts):F2} ms{split}, unembedding {ms(DecodeSpan.Unembedding):F2} ms, sampling {ms(DecodeSpan.Sampling):F2} ms, other {Math.Max(0, whole - parts):F2} ms");
    }

    private readonly LatencyHistogram _mask = new();

    /// <summary>Time the token constraint took per constrained token (filling the mask for the next token and advancing
    /// past the chosen one), in microseconds; empty for unconstrained runs.</summary>
    public LatencyHistogram MaskMicroseconds => _mask;

    internal void Mask(long start, long end)
    {
        lock (_mask) _mask.Record(Stopwatch.GetElapsedTime(start, end).TotalMicroseconds);
        Trace("mask", 1, start, end);
    }

    /// <summary>Time the constraint's one-time preparation took (overlapping the prefill on the CPU sampling path).</summary>
    public double MaskPrepareMs { get; private set; }

    /// <summary>Time the prefill's first sampling waited for the preparation and the first mask after the model was done.</summary>
    public double PrefillMaskWaitMs { get; private set; }

    internal void MaskPrepared(long start, long end)
    {
        MaskPrepareMs += Ms(start, end);
        Trace("mask prepare", 1, start, end);
    }

    internal void PrefillWaitedForMask(long start, long end)
    {
        PrefillMaskWaitMs += Ms(start, end);
        Trace("prefill waits for mask", 1, start, end);
    }

    internal void Backpressure(long start, long end)
    {
        BackpressureWaitMs += Ms(start, end);
        Trace("backpressure", 1, start, end);
    }

    internal void ChannelWait(long start, long end)
    {
        ChannelWaitMs += Ms(start, end);
        Trace("channel wait", 2, start, end);
    }

    internal void Consumer(long start, long end)
    {
        ConsumerNsTotal += Stopwatch.GetElapsedTime(start, end).TotalNanoseconds;
        ConsumedTokens++;
        Trace("consumer", 2, start, end);
    }

    private static double Ms(long start, long end) => Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;

    private void Trace(string name, int thread, long start, long end)
    {
        if (_events is null) return;
        lock (_events) _events.Add(new TraceEvent(name, thread, start, end));
    }

    public double StepPercentile(double p)
    {
        double[] sorted;
        lock (_stepMs) sorted = [.. _stepMs];
        if (sorted.Length == 0) return 0;
        Array.Sort(sorted);
        int index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    /// <summary>Tokens per second over the decode steps alone (model time per generated token after the first).</summary>
    public double DecodeTokensPerSecond
    {
        get
        {
            double total;
            lock (_stepMs) total = _stepMs.Sum();
            return total > 0 ? _stepMs.Count / (total / 1000) : 0;
        }
    }

    public string FormatTable()
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        void Row(string name, string value) => s.Append(c, $"{name,-28} {value}\n");
        if (LoadMs > 0) Row("model load ms", LoadMs.ToString("F2", c));
        Row("prompt tokens", PromptTokens.ToString(c));
        Row("prefill ms", PrefillMs.ToString("F2", c));
        if (PrefillJitMs > 0) Row("prefill jit ms", string.Create(c, $"{PrefillJitMs:F2} (compiling methods on first call, on the prefill's thread)"));
        Row("generated tokens", GeneratedTokens.ToString(c));
        Row("decode tokens/s", DecodeTokensPerSecond.ToString("F1", c));
        Row("end-to-end tokens/s", (WallMs > 0 ? GeneratedTokens / (WallMs / 1000) : 0).ToString("F1", c));
        Row("step ms p50 / p90 / p99", string.Create(c, $"{StepPercentile(50):F2} / {StepPercentile(90):F2} / {StepPercentile(99):F2}"));
        if (_hasSpans)
        {
            Row("step ms mean", StepMeanMs.ToString("F2", c));
            Row("step breakdown (mean)", Breakdown(StepSpanMs, StepMeanMs));
            Row("prefill breakdown", Breakdown(PrefillSpanMs, PrefillMs));
        }
        Row("parser (consumer) ns/token", (ConsumedTokens > 0 ? ConsumerNsTotal / ConsumedTokens : 0).ToString("F0", c));
        Row("channel wait ms (consumer)", ChannelWaitMs.ToString("F2", c));
        Row("backpressure ms (producer)", BackpressureWaitMs.ToString("F2", c));
        Row("wall ms", WallMs.ToString("F2", c));
        lock (_mask)
        {
            if (_mask.Count > 0)
            {
                s.Append(c, $"mask us/token p50 {_mask.Percentile(50):F1} p99 {_mask.Percentile(99):F1} ({_mask.Count} tokens, max {_mask.MaxMicroseconds:F1})\n");
                s.Append(c, $"mask prepare ms {MaskPrepareMs:F2} (once per grammar and process, beside the prefill; the prefill waited {PrefillMaskWaitMs:F2} ms for it)\n");
            }
        }
        (int Fed, int Prompt)[] rounds;
        lock (_rounds) rounds = [.. _rounds];
        foreach (var (fed, prompt) in rounds)
            s.Append(c, $"prefilled tokens {fed} of {prompt}\n");
        return s.ToString();
    }

    /// <summary>Writes the recorded events in the Chrome trace event format (complete events, microseconds).</summary>
    public void WriteChromeTrace(Stream destination)
    {
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartArray("traceEvents");
        foreach (var (thread, label) in new[] { (1, "producer (model)"), (2, "consumer (parser)") })
        {
            json.WriteStartObject();
            json.WriteString("name", "thread_name");
            json.WriteString("ph", "M");
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", thread);
            json.WriteStartObject("args");
            json.WriteString("name", label);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        TraceEvent[] events = [];
        if (_events is not null)
        {
            lock (_events) events = [.. _events];
        }
        foreach (var e in events)
        {
            json.WriteStartObject();
            json.WriteString("name", e.Name);
            json.WriteString("cat", "decode");
            json.WriteString("ph", "X");
            json.WriteNumber("pid", 1);
            json.WriteNumber("tid", e.Thread);
            json.WriteNumber("ts", Math.Round(Stopwatch.GetElapsedTime(_origin, e.Start).TotalMicroseconds, 3));
            json.WriteNumber("dur", Math.Round(Stopwatch.GetElapsedTime(e.Start, e.End).TotalMicroseconds, 3));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private readonly record struct TraceEvent(string Name, int Thread, long Start, long End);
}
