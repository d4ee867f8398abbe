namespace Campfire.Cli.Tests.Errors;

/// <summary>A temporary folder of malformed inputs shared by the error tests.</summary>
public sealed class ErrorFiles : IDisposable
{
    public ErrorFiles()
    {
        Root = Directory.CreateTempSubdirectory("campfire-cli-errors-").FullName;
        Docs = Path.Combine(Root, "docs");
        Directory.CreateDirectory(Docs);
        File.WriteAllText(Path.Combine(Docs, "burns.md"), "# Burns\n\nCool the burn under running water for 20 minutes.\n");
        Duplicates = Path.Combine(Root, "dup");
        Directory.CreateDirectory(Duplicates);
        File.WriteAllText(Path.Combine(Duplicates, "a.md"), "one\n");
        File.WriteAllText(Path.Combine(Duplicates, "a.txt"), "two\n");
        BadPdf = Path.Combine(Root, "pdf");
        Directory.CreateDirectory(BadPdf);
        File.WriteAllText(Path.Combine(BadPdf, "x.pdf"), "not a pdf\n");
        ExistingFile = Write("existing", "x");
        TruncatedConversation = Write("truncated.json", """{"messages": [{"role": "user", "content": "hi"}""");
        TruncatedIds = Write("truncated-ids.json", "[1, 2");
        HeaderWithUnknownId = Write("oov.json", "[200006, 999999, 200008]");
        StrictTextError = Write("strict.txt", "<|start|>assistant<|start|>");
        InvalidUtf8 = Path.Combine(Root, "utf8.json");
        File.WriteAllBytes(InvalidUtf8, [.. """{"messages": [{"role": "user", "content": "a"""u8, 0xFF, .. "b\"}]}"u8]);
    }

    public string Root { get; }
    public string Docs { get; }
    public string Duplicates { get; }
    public string BadPdf { get; }
    public string ExistingFile { get; }
    public string TruncatedConversation { get; }
    public string TruncatedIds { get; }
    public string HeaderWithUnknownId { get; }
    public string StrictTextError { get; }
    public string InvalidUtf8 { get; }

    private string Write(string name, string text)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
