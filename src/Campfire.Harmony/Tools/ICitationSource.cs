using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Campfire.Harmony.Tools;

/// <summary>Something that knows the pages a conversation has opened (the browser tool) and can check citations.</summary>
public interface ICitationSource
{
    ResolvedCitation Resolve(Citation citation);
}
