using Campfire.Harmony;
using Campfire.Harmony.Json;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native;

/// <summary>Maps the core library's exceptions onto ABI status codes.</summary>
internal static class ExceptionStatusMap
{
    public static CampfireStatus Classify(Exception exception) => exception switch
    {
        UnknownTokenIdException => CampfireStatus.UnknownToken,
        HarmonyJsonException => CampfireStatus.MalformedJson,
        HarmonyParseException => CampfireStatus.ParseError,
        HarmonyException => CampfireStatus.InvalidArgument,
        _ => CampfireStatus.Internal,
    };
}
