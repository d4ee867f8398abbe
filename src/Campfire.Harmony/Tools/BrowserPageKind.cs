using System.Collections.Immutable;

namespace Campfire.Harmony.Tools;

public enum BrowserPageKind
{
    SearchResults,
    Document,
    FindResults,
}
