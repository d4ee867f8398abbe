using System.Reflection;
using Campfire.Search;

namespace Campfire.Guidance;

/// <summary>
/// The first-aid sample corpus shipped inside this assembly (so <c>campfire demo</c> works from a fresh clone): short
/// sheets in the project's own words, each naming the public guideline it summarises (IFRC 2020, WHO) and each marked
/// as a sample that is not medical authority.
/// </summary>
public static class SampleCorpus
{
    public const string SourceName = "first-aid-sample";
    private const string ResourcePrefix = "SampleCorpus/";

    /// <summary>The sample documents, ordered by id.</summary>
    public static IReadOnlyList<CorpusDocument> Load()
    {
        var assembly = typeof(SampleCorpus).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => DocumentLoader.FromMarkdown(Path.GetFileNameWithoutExtension(n[ResourcePrefix.Length..]), n[ResourcePrefix.Length..], Read(assembly, n)))
            .ToArray();
    }

    /// <summary>An in-memory index of the sample corpus.</summary>
    public static LuceneSearchBackend BuildBackend() => LuceneSearchBackend.BuildInMemory(Load(), SourceName);

    /// <summary>Writes the sample files into <paramref name="directory"/> (to index them with <c>campfire index</c>).</summary>
    public static void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var assembly = typeof(SampleCorpus).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
            File.WriteAllText(Path.Combine(directory, name[ResourcePrefix.Length..]), Read(assembly, name));
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
