using System.Diagnostics;

namespace Campfire.Decoding;

/// <summary>Receives the timings of the parts of a model step (<see cref="Stopwatch"/> timestamps), from the producer thread.</summary>
public interface IDecodeSpanSink
{
    void Record(DecodeSpan span, long startTimestamp, long endTimestamp);
}
