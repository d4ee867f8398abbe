using System.Collections.Immutable;

namespace Campfire.Harmony.Model;

/// <summary>The channels a system message declares, and whether every assistant message must name one.</summary>
public sealed record ChannelConfig
{
    public ChannelConfig(ImmutableArray<string> validChannels, bool channelRequired)
    {
        ValidChannels = validChannels.IsDefault ? [] : validChannels;
        ChannelRequired = channelRequired;
    }

    public ImmutableArray<string> ValidChannels { get; init; }
    public bool ChannelRequired { get; init; }

    /// <summary>The reference's default: analysis, commentary, final, channel required.</summary>
    public static ChannelConfig Default { get; } = RequireChannels("analysis", "commentary", "final");

    /// <summary>These channels, with a channel required on every message (the reference's <c>require_channels</c>).</summary>
    public static ChannelConfig RequireChannels(params IEnumerable<string> channels) => new([.. channels], true);

    public bool Equals(ChannelConfig? other) =>
        other is not null && ChannelRequired == other.ChannelRequired && ValidChannels.AsSpan().SequenceEqual(other.ValidChannels.AsSpan());

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ChannelRequired);
        foreach (var channel in ValidChannels)
            hash.Add(channel, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
