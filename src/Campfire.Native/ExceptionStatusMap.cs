using Campfire.Harmony;
using Campfire.Harmony.Json;
using Campfire.Harmony.Tokenization;

namespace Campfire.Native;

/// <summary>Maps the core library's exceptions onto ABI status codes.</summary>
internal static class ExceptionStatusMap
{
    public static CampfireStatus Classify(Exception exception) => exception switch
    {
        UnknownTokenIdException => CampfireStatus.UnknownToken,
        HarmonyJsonException => CampfireStatus.MalformedJson,
        HarmonyException => CampfireStatus.InvalidArgument,
        _ => CampfireStatus.Internal,
    };
}
