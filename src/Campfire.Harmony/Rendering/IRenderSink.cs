using Campfire.Harmony.Model;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Receives a message as the reference produces it: formatting tokens, and text pieces that are each tokenized on their
/// own (token boundaries never cross two pieces, so the split matters). One sink makes token ids, another Harmony text.
/// </summary>
internal interface IRenderSink
{
    void Special(int tokenId);

    /// <summary>One piece of ordinary text (special-token literals in it are text).</summary>
    void Text(scoped ReadOnlySpan<char> text);

    /// <summary>System or developer content, one piece of text (see <see cref="ContentText"/>); sinks may cache it.</summary>
    void ComposedContent(Content content, bool conversationHasFunctionTools);
}
