using System.Runtime.CompilerServices;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Renders conversations as Harmony text (special tokens written as their literals), following the same rules as
/// <see cref="HarmonyRenderer"/>. Note that tokenizing this text with special tokens allowed is NOT always the same as
/// rendering to ids: user text containing e.g. "&lt;|end|&gt;" is ordinary text for the renderer.
/// </summary>
public static class HarmonyTextRenderer
{
    /// <summary>The conversation, then <c>&lt;|start|&gt;</c> and <paramref name="nextRole"/>: the prompt for the next turn, as text.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation.</exception>
    public static string RenderConversationForCompletion(Conversation conversation, Role nextRole, RenderOptions? options = null) =>
        RenderConversationForCompletion(conversation, nextRole, options, ContentText.SharedNamespaceTexts);

    /// <summary>With a given namespace-text cache (a fresh one makes every schema render again, as a naive renderer would).</summary>
    internal static string RenderConversationForCompletion(
        Conversation conversation, Role nextRole, RenderOptions? options, ConditionalWeakTable<ToolNamespaceConfig, string> namespaceTexts)
    {
        var builder = new StringBuilder();
        AppendConversation(builder, conversation, options ?? RenderOptions.Default, namespaceTexts);
        builder.Append(SpecialTokenTable.GetLiteral(HarmonyTokens.Start)).Append(nextRole.ToWireName());
        return builder.ToString();
    }

    /// <summary>The conversation's messages as text, no next turn.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation.</exception>
    public static string RenderConversation(Conversation conversation, RenderOptions? options = null)
    {
        var builder = new StringBuilder();
        AppendConversation(builder, conversation, options ?? RenderOptions.Default, ContentText.SharedNamespaceTexts);
        return builder.ToString();
    }

    /// <summary>As <see cref="RenderConversation"/>, but when the last message is an assistant message on the final
    /// channel its closing <c>&lt;|end|&gt;</c> becomes <c>&lt;|return|&gt;</c>.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses a message of the conversation.</exception>
    public static string RenderConversationForTraining(Conversation conversation, RenderOptions? options = null)
    {
        var builder = new StringBuilder();
        AppendConversation(builder, conversation, options ?? RenderOptions.Default, ContentText.SharedNamespaceTexts);
        if (ConversationRules.EndsWithReturn(conversation.Messages))
        {
            var end = SpecialTokenTable.GetLiteral(HarmonyTokens.End);
            builder.Length -= end.Length;
            builder.Append(SpecialTokenTable.GetLiteral(HarmonyTokens.Return));
        }
        return builder.ToString();
    }

    /// <summary>One message as text; <paramref name="conversationHasFunctionTools"/> as in <see cref="HarmonyRenderer.Render(Message, System.Buffers.IBufferWriter{int}, bool)"/>.</summary>
    /// <exception cref="HarmonyRenderException">The reference refuses the message.</exception>
    public static string Render(Message message, bool conversationHasFunctionTools = false)
    {
        HarmonyMessageWriter.Validate(message, -1);
        var sink = new TextSink(new StringBuilder(), ContentText.SharedNamespaceTexts);
        HarmonyMessageWriter.Write(ref sink, message, conversationHasFunctionTools);
        return sink.Builder.ToString();
    }

    private static void AppendConversation(
        StringBuilder builder, Conversation conversation, RenderOptions options, ConditionalWeakTable<ToolNamespaceConfig, string> namespaceTexts)
    {
        var messages = conversation.Messages;
        HarmonyMessageWriter.ValidateAll(messages);
        bool hasFunctionTools = ConversationRules.HasFunctionTools(messages);
        int dropBefore = ConversationRules.DropAnalysisBefore(messages, options);
        var sink = new TextSink(builder, namespaceTexts);
        for (int i = 0; i < messages.Length; i++)
        {
            if (!ConversationRules.IsDropped(messages[i], i, dropBefore))
                HarmonyMessageWriter.Write(ref sink, messages[i], hasFunctionTools);
        }
    }

    private readonly struct TextSink(StringBuilder builder, ConditionalWeakTable<ToolNamespaceConfig, string> namespaceTexts) : IRenderSink
    {
        public StringBuilder Builder { get; } = builder;

        public void Special(int tokenId) => Builder.Append(SpecialTokenTable.GetLiteral(tokenId));

        public void Text(scoped ReadOnlySpan<char> text) => Builder.Append(text);

        public void ComposedContent(Content content, bool conversationHasFunctionTools) =>
            Builder.Append(content switch
            {
                SystemContent system => ContentText.System(system, conversationHasFunctionTools, namespaceTexts),
                DeveloperContent developer => ContentText.Developer(developer, namespaceTexts),
                _ => throw new HarmonyRenderException(-1, $"unsupported content {content.GetType().Name}"),
            });
    }
}
