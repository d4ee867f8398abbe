using Campfire.Harmony;

namespace Campfire.Cli;

/// <summary>Input and error reporting shared by the commands.</summary>
public static class CliInput
{
    /// <summary>Reads FILE, or standard input for "-" or no argument.</summary>
    public static byte[] ReadAllBytes(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "-")
        {
            using var stdin = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            stdin.CopyTo(buffer);
            return buffer.ToArray();
        }
        CheckReadableFile(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{path}: cannot read file: {e.Message}");
        }
    }

    /// <summary>FILE as a stream read in order (for input too large to hold), or standard input for "-" or no
    /// argument; the same messages as <see cref="ReadAllBytes"/> for a directory, a missing or an unreadable file.</summary>
    public static Stream OpenRead(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "-")
            return Console.OpenStandardInput();
        CheckReadableFile(path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{path}: cannot read file: {e.Message}");
        }
    }

    // .NET reports a directory opened as a file as "Access denied": say what it is.
    private static void CheckReadableFile(string path)
    {
        if (Directory.Exists(path))
            throw new CliInputException($"{path}: cannot read file: it is a directory, not a file");
        if (!File.Exists(path))
            throw new CliInputException($"{path}: cannot read file: no such file");
    }

    /// <summary>How messages name the input: the path, or "standard input" for "-" or no argument.</summary>
    public static string SourceName(string? path) => string.IsNullOrEmpty(path) || path == "-" ? "standard input" : path;

    /// <summary>
    /// One line for a JSON syntax error: where (1-based line and byte in that line) and what, without the parser's own
    /// zero-based "LineNumber: | BytePositionInLine:" suffix.
    /// </summary>
    public static string JsonSyntax(System.Text.Json.JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string what = e.Message;
        foreach (var marker in (string[])[" LineNumber:", " Path:"])
        {
            int cut = what.IndexOf(marker, StringComparison.Ordinal);
            if (cut >= 0) what = what[..cut];
        }
        what = what.TrimEnd().TrimEnd('.');
        string where = e.LineNumber is { } line
            ? $" at line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1} of the line"
            : "";
        return $"not valid JSON{where}: {what}";
    }

    /// <summary>Prints one line naming the problem and returns the bad-input exit code.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine($"campfire: {message}");
        return ExitCodes.BadInput;
    }
}

/// <summary>Bad input detected by the CLI itself (unreadable file, malformed id list...).</summary>
public sealed class CliInputException(string message) : HarmonyException(message);
