using System.Buffers;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Rendering;

/// <summary>
/// Token sink over a caller's span. Once something does not fit it stops writing (what it wrote is a correct prefix)
/// and remembers that the destination was too small.
/// </summary>
internal ref struct SpanRenderSink(HarmonyRenderer renderer, Span<int> destination) : ITokenRenderSink
{
    private readonly Span<int> _destination = destination;

    public int Written;
    public bool TooSmall;

    public void Special(int tokenId)
    {
        if (TooSmall)
            return;
        if ((uint)Written >= (uint)_destination.Length)
        {
            TooSmall = true;
            return;
        }
        _destination[Written++] = tokenId;
    }

    public void Text(scoped ReadOnlySpan<char> text)
    {
        if (TooSmall || text.IsEmpty)
            return;
        var status = renderer.Tokenizer.EncodeToIds(text, _destination[Written..], out _, out int written);
        Written += written;
        if (status != OperationStatus.Done)
            TooSmall = true;
    }

    public void ComposedContent(Content content, bool conversationHasFunctionTools) =>
        Tokens(renderer.GetComposedContentTokens(content, conversationHasFunctionTools));

    public void Tokens(scoped ReadOnlySpan<int> tokens)
    {
        if (TooSmall)
            return;
        int room = _destination.Length - Written;
        if (tokens.Length > room)
        {
            tokens[..room].CopyTo(_destination[Written..]);
            Written += room;
            TooSmall = true;
            return;
        }
        tokens.CopyTo(_destination[Written..]);
        Written += tokens.Length;
    }
}
