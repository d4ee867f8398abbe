using System.Diagnostics.Metrics;

namespace Campfire.Decoding;

/// <summary>
/// System.Diagnostics.Metrics instruments of the decode loop, readable with
/// <c>dotnet-counters monitor --counters Campfire.Inference</c>. Recording with no listener costs a branch.
/// </summary>
public static class DecodeMetrics
{
    public const string MeterName = "Campfire.Inference";

    public static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Histogram<double> PrefillDuration =
        Meter.CreateHistogram<double>("campfire.decode.prefill.duration", "ms", "Time to prefill the prompt");

    public static readonly Histogram<double> StepDuration =
        Meter.CreateHistogram<double>("campfire.decode.step.duration", "ms", "Time of one decode step (one token through the model)");

    public static readonly Histogram<double> ConsumerTime =
        Meter.CreateHistogram<double>("campfire.decode.consumer.time", "ns", "Time the consumer (parser, engine) spends on one token");

    public static readonly Histogram<double> ChannelWait =
        Meter.CreateHistogram<double>("campfire.decode.channel.wait", "ms", "Time the consumer waits on the channel for the next token");

    public static readonly Histogram<double> BackpressureWait =
        Meter.CreateHistogram<double>("campfire.decode.backpressure.wait", "ms", "Time the producer waits for room in the full channel");

    public static readonly Histogram<double> MaskDuration =
        Meter.CreateHistogram<double>("campfire.decode.mask.duration", "us", "Time the token constraint takes per token (mask for the next token, then advancing past it)");

    public static readonly Counter<long> PromptTokens =
        Meter.CreateCounter<long>("campfire.decode.prompt.tokens", "{token}", "Prompt tokens prefilled");

    public static readonly Counter<long> GeneratedTokens =
        Meter.CreateCounter<long>("campfire.decode.generated.tokens", "{token}", "Tokens generated");
}
