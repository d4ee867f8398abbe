namespace Campfire.Harmony.Rendering;

/// <summary>A sink of token ids, which can also take already rendered ids.</summary>
internal interface ITokenRenderSink : IRenderSink
{
    void Tokens(scoped ReadOnlySpan<int> tokens);
}
