using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Rendering;

/// <summary>Which messages a conversation render includes, and whether the system message mentions function tools.</summary>
internal static class ConversationRules
{
    /// <summary>True when a developer message declares a non-empty <c>functions</c> namespace (keyed "functions").</summary>
    public static bool HasFunctionTools(ImmutableArray<Message> messages)
    {
        foreach (var message in messages)
        {
            foreach (var content in message.Content)
            {
                if (content is DeveloperContent { Tools: { } tools } && tools.TryGetValue("functions", out var functions) && functions.Tools.Length > 0)
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// With auto-drop on and the last assistant message on the final channel, analysis messages before the first
    /// final message are dropped: returns that message's index (drop analysis messages below it), or -1 to keep all.
    /// </summary>
    public static int DropAnalysisBefore(ImmutableArray<Message> messages, RenderOptions? options)
    {
        if (options is not { AutoDropAnalysis: true })
            return -1;
        bool lastAssistantIsFinal = false;
        for (int i = messages.Length - 1; i >= 0; i--)
        {
            if (messages[i].Author.Role == Role.Assistant)
            {
                lastAssistantIsFinal = messages[i].Channel == "final";
                break;
            }
        }
        if (!lastAssistantIsFinal)
            return -1;
        for (int i = 0; i < messages.Length; i++)
        {
            if (messages[i].Channel == "final")
                return i;
        }
        return -1;
    }

    public static bool IsDropped(Message message, int index, int dropAnalysisBefore) =>
        index < dropAnalysisBefore && message.Channel == "analysis";

    /// <summary>For training, a final assistant message at the end closes with <c>&lt;|return|&gt;</c> instead of <c>&lt;|end|&gt;</c>.</summary>
    public static bool EndsWithReturn(ImmutableArray<Message> messages) =>
        messages.Length > 0 && messages[^1].Author.Role == Role.Assistant && messages[^1].Channel == "final";
}
