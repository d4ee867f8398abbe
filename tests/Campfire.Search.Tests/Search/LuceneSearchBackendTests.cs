using Campfire.Guidance;
using Campfire.Harmony.Tools;

namespace Campfire.Search.Tests.Search;

public sealed class LuceneSearchBackendTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("campfire-search-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData("Someone is choking, what should I do?", "choking")]
    [InlineData("how deep chest compressions", "cpr")]
    [InlineData("cool a burn with water", "burns")]
    [InlineData("wound bleeding heavily tourniquet", "severe-bleeding")]
    [InlineData("pale cold clammy skin", "shock")]
    [InlineData("convulsions", "seizures")]
    [InlineData("unresponsive but breathing", "recovery-position")]
    public void Sample_corpus_ranks_the_matching_sheet_first(string query, string expectedId)
    {
        using var backend = SampleCorpus.BuildBackend();
        var hits = backend.Search(query, 3);
        Assert.NotEmpty(hits);
        Assert.Equal(expectedId, hits[0].Document.Id);
        Assert.True(hits[0].Score > 0);
    }

    [Fact]
    public void Search_respects_top_n_and_orders_by_score()
    {
        using var backend = SampleCorpus.BuildBackend();
        var hits = backend.Search("call your local emergency number", 4);
        Assert.Equal(4, hits.Count);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Stemming_matches_other_word_forms()
    {
        using var backend = SampleCorpus.BuildBackend();
        Assert.Equal("choking", backend.Search("choked", 1)[0].Document.Id);
    }

    [Fact]
    public void Snippet_is_the_line_that_matches_the_query()
    {
        using var backend = SampleCorpus.BuildBackend();
        var hit = backend.Search("abdominal thrusts", 1)[0];
        Assert.Contains("abdominal thrusts", hit.Snippet, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(hit.SnippetLine);
        Assert.Contains("abdominal thrusts", hit.Document.Text.Split('\n')[hit.SnippetLine!.Value], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("the and of")]
    [InlineData("???")]
    [InlineData("zzzzqqq")]
    public void Queries_without_useful_terms_find_nothing(string query)
    {
        using var backend = SampleCorpus.BuildBackend();
        Assert.Empty(backend.Search(query, 5));
    }

    [Theory]
    [InlineData("AND OR NOT")]
    [InlineData("burns)(\"*")]
    [InlineData("title:cpr")]
    public void Query_syntax_characters_are_searched_as_text(string query)
    {
        using var backend = SampleCorpus.BuildBackend();
        _ = backend.Search(query, 5); // must not throw a Lucene parse error
    }

    [Fact]
    public void Fetch_finds_documents_by_id_and_by_url()
    {
        using var backend = SampleCorpus.BuildBackend();
        var byId = backend.Fetch("cpr");
        Assert.NotNull(byId);
        Assert.Equal("corpus/cpr.md", byId.Url);
        Assert.Equal(byId, backend.Fetch(byId.Url));
        Assert.Null(backend.Fetch("no-such-sheet"));
    }

    [Fact]
    public void Index_on_disk_is_built_once_and_reused_until_the_corpus_changes()
    {
        var corpus = Path.Combine(_temp, "corpus");
        var index = Path.Combine(_temp, "index");
        SampleCorpus.WriteTo(corpus);

        var report = LuceneSearchBackend.BuildIndex(corpus, index, "my-corpus");
        Assert.Equal(SampleCorpus.Load().Count, report.DocumentCount);
        Assert.True(File.Exists(Path.Combine(index, LuceneSearchBackend.ManifestFileName)));

        using (var opened = LuceneSearchBackend.Open(index))
        {
            Assert.Equal("my-corpus", opened.Source);
            Assert.Equal("choking", opened.Search("choking", 1)[0].Document.Id);
        }
        using (LuceneSearchBackend.OpenOrBuild(corpus, index, out var rebuilt)) Assert.False(rebuilt);

        File.WriteAllText(Path.Combine(corpus, "snake-bite.txt"), "Snake bites\n\nKeep the person still and call for help.");
        using (var refreshed = LuceneSearchBackend.OpenOrBuild(corpus, index, out var rebuilt))
        {
            Assert.True(rebuilt);
            Assert.Equal("snake-bite", refreshed.Search("snake bite", 1)[0].Document.Id);
            Assert.Equal("my-corpus", refreshed.Source);
        }
    }

    [Fact]
    public void Opening_a_folder_that_is_not_an_index_is_a_clear_error()
    {
        var error = Assert.Throws<CorpusException>(() => LuceneSearchBackend.Open(_temp));
        Assert.Contains("not a campfire index", error.Message);
    }

    [Fact]
    public void Building_from_an_empty_or_missing_folder_is_a_clear_error()
    {
        Assert.Contains("no .md", Assert.Throws<CorpusException>(() => LuceneSearchBackend.BuildIndex(_temp, Path.Combine(_temp, "i"))).Message);
        Assert.Contains("not found", Assert.Throws<CorpusException>(() => LuceneSearchBackend.BuildIndex(Path.Combine(_temp, "missing"), Path.Combine(_temp, "i"))).Message);
    }

    [Fact]
    public void Two_files_with_the_same_id_are_rejected()
    {
        File.WriteAllText(Path.Combine(_temp, "a.md"), "# A");
        File.WriteAllText(Path.Combine(_temp, "a.txt"), "A");
        Assert.Contains("'a'", Assert.Throws<CorpusException>(() => LuceneSearchBackend.BuildIndex(_temp, Path.Combine(_temp, ".index"))).Message);
    }

    [Fact]
    public void Concurrent_searches_agree()
    {
        using var backend = SampleCorpus.BuildBackend();
        var expected = backend.Search("burn blisters", 3).Select(h => h.Document.Id).ToArray();
        Parallel.For(0, 32, _ => Assert.Equal(expected, backend.Search("burn blisters", 3).Select(h => h.Document.Id)));
    }

    [Fact]
    public void Search_rejects_a_non_positive_top_n() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleCorpus.BuildBackend().Search("cpr", 0));

    [Fact]
    public void Backend_is_usable_through_the_core_interface()
    {
        using var backend = SampleCorpus.BuildBackend();
        ISearchBackend core = backend;
        Assert.Equal(SampleCorpus.SourceName, core.Source);
        Assert.Equal(SampleCorpus.Load().Count, backend.AllDocuments().Count());
    }
}
