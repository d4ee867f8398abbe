namespace Campfire.Decoding;

/// <summary>Settings of the decode loop's channel.</summary>
public sealed record DecodeLoopOptions
{
    /// <summary>Tokens the producer may run ahead of the consumer before it waits (backpressure).</summary>
    public int ChannelCapacity { get; init; } = 16;
}
