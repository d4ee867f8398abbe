namespace Campfire.Harmony.Parsing;

/// <summary>
/// Upper bounds that protect the parser from runaway input. Zero (the <c>default</c> value) means the default limit.
/// The reference has no limits; the defaults are far above anything a real header or message needs.
/// </summary>
/// <param name="MaxHeaderBytes">
/// Most UTF-8 bytes one header may hold before <see cref="HarmonyParseError.HeaderTooLong"/> (0: <see cref="DefaultMaxHeaderBytes"/>).
/// </param>
/// <param name="MaxMessageBytes">
/// Most UTF-8 content bytes one message may hold before <see cref="HarmonyParseError.MessageTooLong"/>
/// (0: <see cref="DefaultMaxMessageBytes"/>). Exceeding either limit throws in every mode, lenient included.
/// </param>
public readonly record struct HarmonyParserLimits(int MaxHeaderBytes = 0, int MaxMessageBytes = 0)
{
    /// <summary>
    /// 64 KiB: a real header (role, channel, recipient, content type) is tens of bytes, so only output that never
    /// reaches <c>&lt;|message|&gt;</c> gets near it, and the parser stops it before it grows without bound.
    /// </summary>
    public const int DefaultMaxHeaderBytes = 64 * 1024;

    /// <summary>16 MiB: far above a message that fits in a model's context window, yet a bound on memory use.</summary>
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>The default limits; the same as <c>default(HarmonyParserLimits)</c>, named for readable call sites.</summary>
    public static HarmonyParserLimits Default => default;

    internal int EffectiveMaxHeaderBytes => MaxHeaderBytes > 0 ? MaxHeaderBytes : DefaultMaxHeaderBytes;
    internal int EffectiveMaxMessageBytes => MaxMessageBytes > 0 ? MaxMessageBytes : DefaultMaxMessageBytes;
}
