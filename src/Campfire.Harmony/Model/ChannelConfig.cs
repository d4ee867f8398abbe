using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>The channels a system message declares, and whether every assistant message must name one.</summary>
public sealed record ChannelConfig
{
    /// <summary>Declares <paramref name="validChannels"/>, requiring a channel on every assistant message when <paramref name="channelRequired"/>.</summary>
    /// <param name="validChannels">The channel names the system message lists; a default array counts as empty.</param>
    /// <param name="channelRequired">Whether the system message says a channel must be included on every message.</param>
    public ChannelConfig(ImmutableArray<string> validChannels, bool channelRequired)
    {
        ValidChannels = validChannels.IsDefault ? [] : validChannels;
        ChannelRequired = channelRequired;
    }

    /// <summary>The channel names the system message lists, in order (never a default array).</summary>
    public ImmutableArray<string> ValidChannels { get; init; }

    /// <summary>Whether the system message says a channel must be included on every message.</summary>
    public bool ChannelRequired { get; init; }

    /// <summary>The reference's default: analysis, commentary, final, channel required.</summary>
    public static ChannelConfig Default { get; } = RequireChannels("analysis", "commentary", "final");

    /// <summary>These channels, with a channel required on every message (the reference's <c>require_channels</c>).</summary>
    public static ChannelConfig RequireChannels(params IEnumerable<string> channels) => new([.. channels], true);

    /// <summary>Value equality: the same channels in the same order (a record alone would compare the arrays by reference).</summary>
    public bool Equals(ChannelConfig? other) =>
        other is not null && ChannelRequired == other.ChannelRequired && ValidChannels.AsSpan().SequenceEqual(other.ValidChannels.AsSpan());

    /// <summary>A hash consistent with <see cref="Equals(ChannelConfig?)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ChannelRequired);
        foreach (var channel in ValidChannels)
            hash.Add(channel, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
