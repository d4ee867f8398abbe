namespace Campfire.Harmony.Engine;

/// <summary>The roles an application speaks in. They name the five Harmony roles, but their numeric values differ from
/// <see cref="Model.Role"/>'s: convert with <see cref="RoleMapping"/>, never by casting.</summary>
public enum HarmonyRole
{
    /// <summary>The application's instructions; rendered in the Harmony developer message (the Harmony system message
    /// is built from <see cref="HarmonyEngineOptions"/>). Never trimmed.</summary>
    System,

    /// <summary>Further instructions, joined after the system text in the developer message. Never trimmed.</summary>
    Developer,

    /// <summary>The person talking to the model.</summary>
    User,

    /// <summary>The model: an answer, analysis, or (with <see cref="HarmonyMessage.ToolCalls"/>) tool calls.</summary>
    Assistant,

    /// <summary>A tool's result, authored by the tool (<see cref="HarmonyMessage.Name"/>) and addressed to the assistant.</summary>
    Tool,
}
