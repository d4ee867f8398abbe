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
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{path}: cannot read file: {e.Message}");
        }
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
