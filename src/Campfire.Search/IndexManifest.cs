namespace Campfire.Search;

internal sealed record IndexManifest(int Version, string Source, string Fingerprint);
