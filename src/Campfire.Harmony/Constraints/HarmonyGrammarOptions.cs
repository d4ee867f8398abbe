using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// What a <see cref="HarmonyTokenGrammar"/> admits: the tool namespaces whose methods may be called (each method
/// <c>namespace.name</c> with its parameter schema; a namespace without methods, like <c>python</c>, is called by its
/// name and takes free text) and the channels a message may name.
/// </summary>
public sealed record HarmonyGrammarOptions
{
    /// <summary>The gpt-oss channels, used when a conversation configures none.</summary>
    public static ImmutableArray<string> DefaultChannels { get; } = ["analysis", "commentary", "final"];

    /// <summary>Namespaces whose tools are valid recipients (system: <c>browser</c>, <c>python</c>; developer: <c>functions</c>).</summary>
    public ImmutableArray<ToolNamespaceConfig> ToolNamespaces { get; init; } = [];

    /// <summary>The channels a header may name.</summary>
    public ImmutableArray<string> Channels { get; init; } = DefaultChannels;

    /// <summary>Every header must name a channel (the system message's <c>Channel must be included</c>).</summary>
    public bool ChannelRequired { get; init; } = true;

    /// <summary>The options the renderer and parser imply for <paramref name="conversation"/>: the tool namespaces of its
    /// system and developer messages and the channel config of its (first) system message; without a system message or
    /// channel config, the gpt-oss channels, optional.</summary>
    public static HarmonyGrammarOptions FromConversation(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var namespaces = new List<ToolNamespaceConfig>();
        ChannelConfig? channels = null;
        bool sawSystem = false;
        foreach (var message in conversation.Messages)
        {
            foreach (var content in message.Content)
            {
                switch (content)
                {
                    case SystemContent system:
                        if (!sawSystem)
                            channels = system.ChannelConfig;
                        sawSystem = true;
                        if (system.Tools is { } systemTools)
                            namespaces.AddRange(systemTools.Values);
                        break;
                    case DeveloperContent { Tools: { } developerTools }:
                        namespaces.AddRange(developerTools.Values);
                        break;
                }
            }
        }
        return new HarmonyGrammarOptions
        {
            ToolNamespaces = [.. namespaces],
            Channels = channels is null ? DefaultChannels : channels.ValidChannels,
            ChannelRequired = channels is { ChannelRequired: true },
        };
    }

    /// <summary>A text key equal for options that give the same grammar (the cache key).</summary>
    internal string CacheKey()
    {
        var key = new System.Text.StringBuilder();
        key.Append(ChannelRequired ? '!' : '?');
        foreach (var channel in Channels)
            key.Append(channel).Append('\u0001');
        foreach (var ns in ToolNamespaces)
        {
            key.Append('\u0002').Append(ns.Name);
            foreach (var tool in ns.Tools)
                key.Append('\u0003').Append(tool.Name).Append('\u0004').Append(tool.Parameters?.GetRawText());
        }
        return key.ToString();
    }
}
