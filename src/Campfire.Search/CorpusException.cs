namespace Campfire.Search;

/// <summary>A corpus file that cannot be read or converted (corrupt PDF, unreadable file...).</summary>
public sealed class CorpusException(string message, Exception? inner = null) : Campfire.Harmony.HarmonyException(message, inner);
