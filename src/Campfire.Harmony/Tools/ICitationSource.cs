namespace Campfire.Harmony.Tools;

/// <summary>Something that knows the pages a conversation has opened (the browser tool) and can check citations.</summary>
public interface ICitationSource
{
    /// <summary>Checks <paramref name="citation"/> against the pages opened so far. Returns a verdict for bad
    /// citations instead of throwing.</summary>
    /// <param name="citation">A citation found in a final answer.</param>
    ResolvedCitation Resolve(Citation citation);
}
