using Campfire.Benchmarks.Infrastructure;

namespace Campfire.Benchmarks.Tests.Infrastructure;

public class DocsUpdaterTests
{
    const string Document = """
        # Performance

        ## Tokenizer

        hand-written tokenizer table

        ## Benchmark guard (generated)

        <!-- guard:begin -->
        old figures
        <!-- guard:end -->

        ## Renderer

        hand-written renderer table
        """;

    [Fact]
    public void Only_the_marked_block_is_replaced()
    {
        var updated = DocsUpdater.Replace(Document, "guard", "## ignored", "| new | figures |");

        Assert.Contains("<!-- guard:begin -->\n| new | figures |\n<!-- guard:end -->", updated, StringComparison.Ordinal);
        Assert.DoesNotContain("old figures", updated, StringComparison.Ordinal);
        Assert.StartsWith(Document[..Document.IndexOf("<!-- guard:begin -->", StringComparison.Ordinal)], updated, StringComparison.Ordinal);
        Assert.EndsWith(Document[Document.IndexOf("<!-- guard:end -->", StringComparison.Ordinal)..], updated, StringComparison.Ordinal);
    }

    [Fact]
    public void Replacing_twice_gives_the_same_document()
    {
        var once = DocsUpdater.Replace(Document, "guard", "## g", "figures");

        Assert.Equal(once, DocsUpdater.Replace(once, "guard", "## g", "figures"));
    }

    [Fact]
    public void Missing_block_is_appended_with_its_heading()
    {
        var updated = DocsUpdater.Replace("# Performance\n\n## Tokenizer\n\ntext\n", "bench", "## Latest run", "figures");

        Assert.Equal("# Performance\n\n## Tokenizer\n\ntext\n\n## Latest run\n\n<!-- bench:begin -->\nfigures\n<!-- bench:end -->\n", updated);
    }

    [Theory]
    [InlineData("<!-- guard:end -->\nx\n<!-- guard:begin -->")]
    [InlineData("<!-- guard:begin -->\nx\n")]
    [InlineData("<!-- guard:begin -->\n<!-- guard:begin -->\nx\n<!-- guard:end -->")]
    public void Malformed_markers_are_an_error_not_a_guess(string document)
    {
        Assert.Throws<InvalidDataException>(() => DocsUpdater.Replace(document, "guard", "## g", "figures"));
    }

    [Fact]
    public void Other_blocks_are_left_alone()
    {
        var document = "<!-- bench:begin -->\nkeep\n<!-- bench:end -->\n<!-- guard:begin -->\nold\n<!-- guard:end -->\n";

        var updated = DocsUpdater.Replace(document, "guard", "## g", "new");

        Assert.Contains("<!-- bench:begin -->\nkeep\n<!-- bench:end -->", updated, StringComparison.Ordinal);
    }
}
