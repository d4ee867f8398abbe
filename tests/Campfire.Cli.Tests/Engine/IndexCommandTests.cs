using System.Diagnostics;
using Campfire.Guidance;
using Campfire.Cli.Commands;
using Campfire.Search;

namespace Campfire.Cli.Tests.Engine;

public sealed class IndexCommandTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("campfire-index-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Index_writes_a_reusable_index_next_to_the_documents_by_default()
    {
        SampleCorpus.WriteTo(_temp);
        var output = new StringWriter();
        Assert.Equal(ExitCodes.Success, IndexCommand.Run(_temp, null, null, null, output));
        Assert.StartsWith("indexed 7 documents", output.ToString());
        var index = Path.Combine(_temp, IndexCommand.DefaultIndexFolder);
        using var backend = LuceneSearchBackend.Open(index);
        Assert.Equal("cpr", backend.Search("chest compressions", 1)[0].Document.Id);
        // Re-indexing skips the index folder itself (hidden) and finds the same documents.
        Assert.Equal(ExitCodes.Success, IndexCommand.Run(_temp, null, null, null, new StringWriter()));
    }

    [Fact]
    public void Index_with_query_prints_browser_results()
    {
        SampleCorpus.WriteTo(Path.Combine(_temp, "docs"));
        var output = new StringWriter();
        IndexCommand.Run(Path.Combine(_temp, "docs"), Path.Combine(_temp, "out"), "clinic", "burn blisters", output);
        var text = output.ToString();
        Assert.Contains("(source: clinic)", text);
        Assert.Contains("[0] burn blisters\n**viewing lines [0 - ", text);
        Assert.Contains("【0†Burns and scalds†burns.md】", text);
    }

    [Fact]
    public async Task A_missing_folder_is_exit_code_1_with_one_clear_line()
    {
        var campfire = Path.Combine(AppContext.BaseDirectory, "campfire.dll");
        var start = new ProcessStartInfo("dotnet", [campfire, "index", Path.Combine(_temp, "nope")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"campfire: {Path.Combine(_temp, "nope")}: corpus folder not found", stderr.Trim());
    }
}
