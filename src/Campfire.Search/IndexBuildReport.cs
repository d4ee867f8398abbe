namespace Campfire.Search;

/// <summary>What <see cref="LuceneSearchBackend.BuildIndex"/> indexed.</summary>
public sealed record IndexBuildReport(int DocumentCount, long CharacterCount, string Source, IReadOnlyList<string> DocumentIds);
