using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>The roles an application speaks in; they map one to one onto Harmony roles.</summary>
public enum HarmonyRole
{
    System,
    Developer,
    User,
    Assistant,
    Tool,
}
