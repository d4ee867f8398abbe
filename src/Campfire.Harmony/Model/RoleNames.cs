using System.Diagnostics.CodeAnalysis;

namespace Campfire.Harmony.Model;

/// <summary>The wire names of <see cref="Role"/> (in Harmony headers and JSON), both ways.</summary>
public static class RoleNames
{
    /// <summary>The role's name as it appears in a Harmony header and in JSON.</summary>
    public static string ToWireName(this Role role) => role switch
    {
        Role.User => "user",
        Role.Assistant => "assistant",
        Role.System => "system",
        Role.Developer => "developer",
        Role.Tool => "tool",
        _ => throw new HarmonyModelException($"unknown role {(int)role} (not one of user, assistant, system, developer, tool)"),
    };

    /// <summary>Parses a wire name (case-sensitive, as the reference does).</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out Role role)
    {
        switch (name)
        {
            case "user": role = Role.User; return true;
            case "assistant": role = Role.Assistant; return true;
            case "system": role = Role.System; return true;
            case "developer": role = Role.Developer; return true;
            case "tool": role = Role.Tool; return true;
            default: role = default; return false;
        }
    }

    /// <summary>Parses a wire name or throws <see cref="HarmonyModelException"/> naming it.</summary>
    public static Role Parse(string name) =>
        TryParse(name, out var role) ? role : throw new HarmonyModelException($"unknown role \"{name}\"");

    /// <summary>True when <paramref name="role"/> is not null and one of the five named roles.</summary>
    public static bool IsDefined([NotNullWhen(true)] Role? role) => role is >= Role.User and <= Role.Tool;
}
