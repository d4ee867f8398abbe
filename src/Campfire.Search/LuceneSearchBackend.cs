using System.Text.Json;
using Campfire.Harmony.Tools;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace Campfire.Search;

/// <summary>
/// The browser tool's search backend: a Lucene.Net 4.8 index with BM25 ranking and the English analyzer (stemming,
/// stop words) over the title and body of each document. Documents are stored in the index, so a built index on disk
/// answers <see cref="Fetch"/> without the source folder. Thread-safe for searching.
/// </summary>
public sealed class LuceneSearchBackend : ISearchBackend, IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "id", TitleField = "title", BodyField = "body", SourceNameField = "source_name", UrlField = "url";
    public const string ManifestFileName = "campfire-index.json";
    private const int ManifestVersion = 1;

    private readonly LuceneDirectory _directory;
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly Analyzer _analyzer;

    private LuceneSearchBackend(LuceneDirectory directory, string source)
    {
        _directory = directory;
        _reader = DirectoryReader.Open(directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
        _analyzer = CreateAnalyzer();
        Source = source;
    }

    public string Source { get; }

    public int DocumentCount => _reader.NumDocs;

    /// <summary>Indexes <paramref name="documents"/> in memory (the demo's sample corpus).</summary>
    public static LuceneSearchBackend BuildInMemory(IEnumerable<CorpusDocument> documents, string source)
    {
        var directory = new RAMDirectory();
        WriteIndex(directory, documents);
        return new LuceneSearchBackend(directory, source);
    }

    /// <summary>Indexes every supported file of <paramref name="corpusDirectory"/> into <paramref name="indexDirectory"/>
    /// (replacing what was there) and writes a manifest so that <see cref="OpenOrBuild"/> can tell when it is stale.</summary>
    public static IndexBuildReport BuildIndex(string corpusDirectory, string indexDirectory, string? source = null)
    {
        var documents = DocumentLoader.LoadDirectory(corpusDirectory);
        if (documents.Count == 0)
            throw new CorpusException($"{corpusDirectory}: no .md, .txt, .html or .pdf files to index");
        var seen = new Dictionary<string, CorpusDocument>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            if (seen.TryGetValue(document.Id, out var first))
            {
                throw new CorpusException($"{corpusDirectory}: {FileOf(first)} and {FileOf(document)} both have the id '{document.Id}' "
                                          + "(same name, different extension): rename one");
            }
            seen.Add(document.Id, document);
        }
        if (File.Exists(indexDirectory))
            throw new CorpusException($"{indexDirectory}: is a file; the index needs a folder (give --out a new or existing folder)");
        try
        {
            System.IO.Directory.CreateDirectory(indexDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"{indexDirectory}: cannot create the index folder: {e.Message}", e);
        }
        using (var directory = FSDirectory.Open(indexDirectory))
            WriteIndex(directory, documents);
        var manifest = new IndexManifest(ManifestVersion, source ?? DefaultSourceName(corpusDirectory), Fingerprint(corpusDirectory));
        File.WriteAllText(Path.Combine(indexDirectory, ManifestFileName), JsonSerializer.Serialize(manifest, IndexManifestContext.Default.IndexManifest));
        return new IndexBuildReport(documents.Count, documents.Sum(d => d.Text.Length), manifest.Source, documents.Select(d => d.Id).ToArray());
    }

    private static string FileOf(CorpusDocument document) =>
        Path.Combine(Path.GetDirectoryName(document.Id) ?? "", document.SourceName);

    /// <summary>Opens an index written by <see cref="BuildIndex"/>.</summary>
    public static LuceneSearchBackend Open(string indexDirectory)
    {
        var manifest = ReadManifest(indexDirectory)
            ?? throw new CorpusException($"{indexDirectory}: not a campfire index (no {ManifestFileName}); build one with `campfire index`");
        var directory = FSDirectory.Open(indexDirectory);
        try
        {
            return new LuceneSearchBackend(directory, manifest.Source);
        }
        catch (Exception e) when (e is IOException or IndexNotFoundException)
        {
            directory.Dispose();
            throw new CorpusException($"{indexDirectory}: the index is damaged: {e.Message}", e);
        }
    }

    /// <summary>Reuses the index in <paramref name="indexDirectory"/> when it was built from the corpus as it is now
    /// (same files, sizes and times), and rebuilds it otherwise.</summary>
    public static LuceneSearchBackend OpenOrBuild(string corpusDirectory, string indexDirectory, out bool rebuilt)
    {
        var manifest = ReadManifest(indexDirectory);
        rebuilt = manifest is null || manifest.Version != ManifestVersion || manifest.Fingerprint != Fingerprint(corpusDirectory);
        if (rebuilt) BuildIndex(corpusDirectory, indexDirectory, manifest?.Source);
        return Open(indexDirectory);
    }

    public IReadOnlyList<SearchHit> Search(string query, int topN)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(topN, 1);
        var queryTerms = Analyze(query);
        if (queryTerms.Count == 0) return [];

        var parser = new MultiFieldQueryParser(Version, [TitleField, BodyField], _analyzer,
            new Dictionary<string, float> { [TitleField] = 2f, [BodyField] = 1f });
        Query parsed;
        try
        {
            parsed = parser.Parse(QueryParserBase.Escape(query));
        }
        catch (ParseException e)
        {
            throw new ToolUsageException($"Cannot search for `{query}`: {e.Message}");
        }
        var top = _searcher.Search(parsed, topN);
        var hits = new List<SearchHit>(top.ScoreDocs.Length);
        foreach (var scoreDoc in top.ScoreDocs)
        {
            var document = ToBrowserDocument(_searcher.Doc(scoreDoc.Doc));
            var (snippet, line) = BestLine(document.Text, queryTerms);
            hits.Add(new SearchHit(document, scoreDoc.Score, snippet, line));
        }
        return hits;
    }

    public BrowserDocument? Fetch(string idOrUrl)
    {
        ArgumentNullException.ThrowIfNull(idOrUrl);
        foreach (var field in new[] { IdField, UrlField })
        {
            var top = _searcher.Search(new TermQuery(new Term(field, idOrUrl)), 1);
            if (top.TotalHits > 0) return ToBrowserDocument(_searcher.Doc(top.ScoreDocs[0].Doc));
        }
        return null;
    }

    /// <summary>Every indexed document, in index order.</summary>
    public IEnumerable<BrowserDocument> AllDocuments()
    {
        for (var i = 0; i < _reader.MaxDoc; i++)
            yield return ToBrowserDocument(_reader.Document(i));
    }

    public void Dispose()
    {
        _reader.Dispose();
        _analyzer.Dispose();
        _directory.Dispose();
    }

    private static Analyzer CreateAnalyzer() => new EnglishAnalyzer(Version);

    private static void WriteIndex(LuceneDirectory directory, IEnumerable<CorpusDocument> documents)
    {
        using var analyzer = CreateAnalyzer();
        var config = new IndexWriterConfig(Version, analyzer) { OpenMode = OpenMode.CREATE, Similarity = new BM25Similarity() };
        using var writer = new IndexWriter(directory, config);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var corpusDocument in documents)
        {
            if (!ids.Add(corpusDocument.Id))
                throw new CorpusException($"two corpus files have the id '{corpusDocument.Id}' (same name, different extension)");
            writer.AddDocument(new Document
            {
                new StringField(IdField, corpusDocument.Id, Field.Store.YES),
                new StringField(UrlField, corpusDocument.Url, Field.Store.YES),
                new TextField(TitleField, corpusDocument.Title, Field.Store.YES),
                new TextField(BodyField, corpusDocument.Text, Field.Store.YES),
                new StoredField(SourceNameField, corpusDocument.SourceName),
            });
        }
        writer.Commit();
    }

    private static BrowserDocument ToBrowserDocument(Document stored) =>
        new(stored.Get(IdField), stored.Get(TitleField), stored.Get(UrlField), stored.Get(SourceNameField), stored.Get(BodyField));

    private HashSet<string> Analyze(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        using var stream = _analyzer.GetTokenStream(BodyField, new StringReader(text));
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken()) terms.Add(term.ToString());
        stream.End();
        return terms;
    }

    // The line sharing most distinct terms with the query (preferring body text in a section) is the snippet,
    // and its line number lets `open` centre the view on it, as the reference browser does with result snippets.
    private (string Snippet, int? Line) BestLine(string text, HashSet<string> queryTerms)
    {
        var lines = text.Split('\n');
        int bestLine = -1, bestScore = 0;
        var inSection = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var isSubheading = lines[i].TrimStart().StartsWith("##", StringComparison.Ordinal);
            inSection |= isSubheading;
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var terms = Analyze(lines[i]);
            terms.IntersectWith(queryTerms);
            // Body text beats headings, and text inside a section beats the preamble (often source notes).
            var score = terms.Count * 4 + (lines[i].TrimStart().StartsWith('#') ? 0 : 2) + (inSection && !isSubheading ? 1 : 0);
            if (terms.Count > 0 && score > bestScore)
            {
                bestScore = score;
                bestLine = i;
            }
        }
        if (bestLine < 0) return (BrowserText.Truncate(lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "", 200), null);
        return (BrowserText.Truncate(lines[bestLine].Trim().TrimStart('#', '*', '-', ' '), 200), bestLine);
    }

    private static string DefaultSourceName(string corpusDirectory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(corpusDirectory)));

    private static string Fingerprint(string corpusDirectory)
    {
        var root = Path.GetFullPath(corpusDirectory);
        var parts = System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(p => DocumentLoader.SupportedExtensions.Contains(Path.GetExtension(p)))
            .Order(StringComparer.Ordinal)
            .Select(p =>
            {
                var info = new FileInfo(p);
                return $"{Path.GetRelativePath(root, p)}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
            });
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', parts))));
    }

    private static IndexManifest? ReadManifest(string indexDirectory)
    {
        var path = Path.Combine(indexDirectory, ManifestFileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), IndexManifestContext.Default.IndexManifest);
        }
        catch (JsonException e)
        {
            throw new CorpusException($"{path}: damaged index manifest: {e.Message}", e);
        }
    }
}
