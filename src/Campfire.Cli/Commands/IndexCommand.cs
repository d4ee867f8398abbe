using System.CommandLine;
using System.Diagnostics;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;
using Campfire.Search;

namespace Campfire.Cli.Commands;

/// <summary><c>campfire index DIR [--out INDEXDIR]</c>: builds the Lucene index the browser tool searches.</summary>
public sealed class IndexCommand : ICliCommand
{
    public const string DefaultIndexFolder = ".campfire-index";

    public Command Build()
    {
        var directory = new Argument<string>("dir") { Description = "Folder of .md, .txt, .html and .pdf documents (searched recursively)" };
        var output = new Option<string?>("--out") { Description = $"Where to write the index (default: DIR/{DefaultIndexFolder})" };
        var source = new Option<string?>("--source") { Description = "Name the browser shows as sources= (default: the folder name)" };
        var query = new Option<string?>("--query") { Description = "After indexing, search this and print the results as the browser tool shows them" };
        var command = new Command("index", "Index a folder of documents for the browser tool (Lucene.Net, BM25)");
        command.Arguments.Add(directory);
        command.Options.Add(output);
        command.Options.Add(source);
        command.Options.Add(query);
        command.SetAction(parse => Run(parse.GetValue(directory)!, parse.GetValue(output), parse.GetValue(source), parse.GetValue(query), Console.Out));
        return command;
    }

    internal static int Run(string directory, string? indexDirectory, string? source, string? query, TextWriter output)
    {
        indexDirectory ??= Path.Combine(directory, DefaultIndexFolder);
        var clock = Stopwatch.StartNew();
        IndexBuildReport report;
        try
        {
            report = LuceneSearchBackend.BuildIndex(directory, indexDirectory, source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{indexDirectory}: cannot write the index: {e.Message}");
        }
        output.WriteLine($"indexed {report.DocumentCount} documents ({report.CharacterCount} characters) from {directory} into {indexDirectory} in {clock.Elapsed.TotalMilliseconds:F0} ms (source: {report.Source})");
        if (query is not null)
        {
            using var backend = LuceneSearchBackend.Open(indexDirectory);
            var browser = new BrowserTool(backend);
            var result = browser.InvokeAsync(ToolCall.FromRecipient("browser.search", System.Text.Json.JsonSerializer.Serialize(new { query }), "index"), CancellationToken.None)
                .AsTask().GetAwaiter().GetResult();
            output.WriteLine(result);
        }
        return ExitCodes.Success;
    }
}
