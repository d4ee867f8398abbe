using System.Buffers;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Rendering;

/// <summary>Token sink over an <see cref="IBufferWriter{T}"/>: text pieces are tokenized straight into the writer.</summary>
internal struct BufferWriterRenderSink(HarmonyRenderer renderer, IBufferWriter<int> writer) : ITokenRenderSink
{
    public int Written;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Special(int tokenId)
    {
        writer.GetSpan(1)[0] = tokenId;
        writer.Advance(1);
        Written++;
    }

    public void Text(scoped ReadOnlySpan<char> text)
    {
        if (!text.IsEmpty)
            Written += renderer.Tokenizer.EncodeToIds(text, writer);
    }

    public void ComposedContent(Content content, bool conversationHasFunctionTools) =>
        Tokens(renderer.GetComposedContentTokens(content, conversationHasFunctionTools));

    public void Tokens(scoped ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty)
            return;
        tokens.CopyTo(writer.GetSpan(tokens.Length));
        writer.Advance(tokens.Length);
        Written += tokens.Length;
    }
}
