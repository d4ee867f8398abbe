using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Campfire.Search.Tests.Search;

public sealed class DocumentLoaderTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("campfire-loader-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Markdown_title_is_the_first_heading()
    {
        var document = DocumentLoader.FromMarkdown("x/first-aid", "first-aid.md", "intro\r\n# Heading One\r\nbody\r\n");
        Assert.Equal("Heading One", document.Title);
        Assert.DoesNotContain('\r', document.Text);
        Assert.Equal("corpus/x/first-aid.md", document.Url);
    }

    [Fact]
    public void Markdown_without_heading_takes_its_title_from_the_file_name() =>
        Assert.Equal("heat stroke", DocumentLoader.FromMarkdown("heat-stroke", "heat-stroke.md", "no heading").Title);

    [Fact]
    public void Html_becomes_readable_lines_without_scripts_or_tags()
    {
        const string html = """
            <html><head><title>Heat &amp; sun</title><style>p{color:red}</style></head>
            <body><script>alert(1)</script><h2>Heat stroke</h2><p>Move to   shade.</p>
            <ul><li>Cool the skin</li><li>Give water</li></ul><!-- hidden --></body></html>
            """;
        var document = DocumentLoader.FromHtml("heat", "heat.html", html);
        Assert.Equal("Heat & sun", document.Title);
        Assert.Contains("## Heat stroke", document.Text);
        Assert.Contains("Move to shade.", document.Text);
        Assert.Contains("  * Cool the skin", document.Text);
        Assert.DoesNotContain("alert", document.Text);
        Assert.DoesNotContain("color", document.Text);
        Assert.DoesNotContain("hidden", document.Text);
        Assert.DoesNotContain('<', document.Text);
    }

    [Fact]
    public void Pdf_text_is_extracted_with_pdfpig()
    {
        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(595, 842);
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        page.AddText("Frostbite first aid", 12, new UglyToad.PdfPig.Core.PdfPoint(50, 700), font);
        page.AddText("Rewarm gently in warm water", 12, new UglyToad.PdfPig.Core.PdfPoint(50, 680), font);
        var path = Path.Combine(_temp, "frostbite.pdf");
        File.WriteAllBytes(path, builder.Build());

        var document = DocumentLoader.LoadFile(path, _temp);
        Assert.Equal("frostbite", document.Id);
        Assert.Contains("Frostbite first aid", document.Text);
        Assert.Contains("Rewarm gently", document.Text);
        Assert.Equal("Frostbite first aid", document.Title);
    }

    [Fact]
    public void A_damaged_pdf_is_a_clear_corpus_error()
    {
        var path = Path.Combine(_temp, "broken.pdf");
        File.WriteAllText(path, "%PDF-1.7 this is not really a pdf");
        var error = Assert.Throws<CorpusException>(() => DocumentLoader.LoadFile(path, _temp));
        Assert.Contains("broken.pdf", error.Message);
    }

    [Fact]
    public void Directory_loading_recurses_skips_hidden_and_unsupported_files()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "sub"));
        Directory.CreateDirectory(Path.Combine(_temp, ".index"));
        File.WriteAllText(Path.Combine(_temp, "a.txt"), "Alpha\nbody");
        File.WriteAllText(Path.Combine(_temp, "sub", "b.md"), "# Beta");
        File.WriteAllText(Path.Combine(_temp, ".index", "c.md"), "# hidden");
        File.WriteAllText(Path.Combine(_temp, "d.docx"), "ignored");
        var ids = DocumentLoader.LoadDirectory(_temp).Select(d => d.Id).ToArray();
        Assert.Equal(["a", "sub/b"], ids);
    }
}
