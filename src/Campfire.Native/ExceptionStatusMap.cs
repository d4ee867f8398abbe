using Campfire.Harmony;

namespace Campfire.Native;

/// <summary>Maps the core library's exceptions onto ABI status codes.</summary>
internal static class ExceptionStatusMap
{
    public static CampfireStatus Classify(Exception exception) => exception switch
    {
        HarmonyException => CampfireStatus.InvalidArgument,
        _ => CampfireStatus.Internal,
    };
}
