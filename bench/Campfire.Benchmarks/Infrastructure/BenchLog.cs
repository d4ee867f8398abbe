using BenchmarkDotNet.Loggers;

namespace Campfire.Benchmarks.Infrastructure;

/// <summary>
/// BenchmarkDotNet's log written to a file instead of the console. On a terminal, each benchmark's name is shown on
/// one line of standard error as it starts (overwritten by the next), so a quiet run still shows that it moves.
/// </summary>
public sealed class BenchLog : ILogger, IDisposable
{
    private readonly StreamWriter _file;
    private readonly bool _progress = !Console.IsErrorRedirected;
    private int _started;
    private bool _disposed;

    public BenchLog(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _file = new StreamWriter(Path, append: false) { AutoFlush = true };
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    public string Id => nameof(BenchLog);

    public int Priority => 0;

    public void Write(LogKind logKind, string text) => _file.Write(text);

    public void WriteLine() => _file.WriteLine();

    public void WriteLine(LogKind logKind, string text)
    {
        _file.WriteLine(text);
        const string marker = "// Benchmark: ";
        if (_progress && text.StartsWith(marker, StringComparison.Ordinal))
        {
            _started++;
            var name = text[marker.Length..];
            if (name.Length > 100) name = name[..99] + "…";
            Console.Error.Write($"\r\u001b[2K[{_started}] {name}");
        }
    }

    public void Flush() => _file.Flush();

    /// <summary>Ends the progress line and closes the file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_progress && _started > 0)
            Console.Error.Write("\r\u001b[2K");
        _file.Dispose();
    }
}
