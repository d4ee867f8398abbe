namespace Campfire.Harmony.Rendering;

/// <summary>
/// A conversation the reference refuses to render, e.g. a tool message without a tool name, or system content outside
/// the system message. <see cref="MessageIndex"/> is the offending message's index in the conversation (-1 for a single message).
/// </summary>
public sealed class HarmonyRenderException : HarmonyException
{
    /// <summary>A refusal; the message is "<c>message N: problem</c>", or just the problem for a single message.</summary>
    /// <param name="messageIndex">The offending message's index in the conversation, or -1 for a single message or none.</param>
    /// <param name="problem">What the reference refuses, for a person to read.</param>
    public HarmonyRenderException(int messageIndex, string problem)
        : base(messageIndex >= 0 ? $"message {messageIndex}: {problem}" : problem)
    {
        MessageIndex = messageIndex;
        Problem = problem;
    }

    /// <summary>The offending message's index in the conversation, or -1 for a single message or none.</summary>
    public int MessageIndex { get; }

    /// <summary>What the reference refuses, without the message index.</summary>
    public string Problem { get; }
}
