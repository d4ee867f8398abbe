namespace Campfire.Harmony.Rendering;

/// <summary>
/// A conversation the reference refuses to render, e.g. a tool message without a tool name, or system content outside
/// the system message. <see cref="MessageIndex"/> is the offending message's index in the conversation (-1 for a single message).
/// </summary>
public sealed class HarmonyRenderException : HarmonyException
{
    public HarmonyRenderException(int messageIndex, string problem)
        : base(messageIndex >= 0 ? $"message {messageIndex}: {problem}" : problem)
    {
        MessageIndex = messageIndex;
        Problem = problem;
    }

    public int MessageIndex { get; }
    public string Problem { get; }
}
