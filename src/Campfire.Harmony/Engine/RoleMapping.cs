using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>
/// The one mapping between the engine's <see cref="HarmonyRole"/> and the reference's <see cref="Role"/>. Both name the
/// same five roles, but their declaration orders differ (the engine's follows a conversation, the reference's its
/// wire order), so their numeric values must never be cast into each other.
/// </summary>
public static class RoleMapping
{
    /// <summary>The reference's role for an engine role.</summary>
    /// <param name="role">A defined <see cref="HarmonyRole"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="role"/> is not a defined value.</exception>
    public static Role ToReferenceRole(this HarmonyRole role) => role switch
    {
        HarmonyRole.System => Role.System,
        HarmonyRole.Developer => Role.Developer,
        HarmonyRole.User => Role.User,
        HarmonyRole.Assistant => Role.Assistant,
        HarmonyRole.Tool => Role.Tool,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not one of system, developer, user, assistant, tool"),
    };

    /// <summary>The engine's role for a reference role.</summary>
    /// <param name="role">A defined <see cref="Role"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="role"/> is not a defined value.</exception>
    public static HarmonyRole ToEngineRole(this Role role) => role switch
    {
        Role.System => HarmonyRole.System,
        Role.Developer => HarmonyRole.Developer,
        Role.User => HarmonyRole.User,
        Role.Assistant => HarmonyRole.Assistant,
        Role.Tool => HarmonyRole.Tool,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not one of user, assistant, system, developer, tool"),
    };
}
