namespace Campfire.Harmony.Parsing;

/// <summary>
/// Upper bounds that protect the parser from runaway input. Zero (the <c>default</c> value) means the default limit.
/// The reference has no limits; the defaults are far above anything a real header or message needs.
/// </summary>
public readonly record struct HarmonyParserLimits(int MaxHeaderBytes = 0, int MaxMessageBytes = 0)
{
    public const int DefaultMaxHeaderBytes = 64 * 1024;
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    public static HarmonyParserLimits Default => default;

    internal int EffectiveMaxHeaderBytes => MaxHeaderBytes > 0 ? MaxHeaderBytes : DefaultMaxHeaderBytes;
    internal int EffectiveMaxMessageBytes => MaxMessageBytes > 0 ? MaxMessageBytes : DefaultMaxMessageBytes;
}
