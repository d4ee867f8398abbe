using System.Text.Json;
using Campfire.Harmony;

namespace Campfire.Native;

/// <summary>
/// The per-thread "last error" of the C ABI, in the spirit of errno: every failing export records its status and a
/// one-line message here before returning; successful calls leave it alone so a host can look at it after a chain of calls.
/// </summary>
internal static class LastError
{
    [ThreadStatic] private static string? t_message;
    [ThreadStatic] private static CampfireStatus t_status;

    public static CampfireStatus Status => t_status;

    public static string Message => t_message ?? string.Empty;

    public static int Fail(CampfireStatus status, string message)
    {
        t_status = status;
        t_message = message;
        return (int)status;
    }

    public static void Clear()
    {
        t_status = CampfireStatus.Ok;
        t_message = null;
    }

    /// <summary>Turns an exception that reached an export boundary into a status: exceptions must never unwind into C.</summary>
    public static int FromException(Exception exception) => Fail(Classify(exception), Describe(exception));

    internal static CampfireStatus Classify(Exception exception) => exception switch
    {
        NativeStatusException e => e.Status,
        JsonException => CampfireStatus.MalformedJson,
        _ => ExceptionStatusMap.Classify(exception),
    };

    private static string Describe(Exception exception)
    {
        string message = exception.Message.ReplaceLineEndings(" ");
        return Classify(exception) == CampfireStatus.Internal
            ? $"internal error ({exception.GetType().Name}): {message}"
            : message;
    }
}

/// <summary>Carries a specific status out of helper code that is deep below an export.</summary>
internal sealed class NativeStatusException(CampfireStatus status, string message) : HarmonyException(message)
{
    public CampfireStatus Status { get; } = status;
}
