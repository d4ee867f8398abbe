using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Commands;

/// <summary><c>campfire tokenize [--special] [--count] [FILE|-]</c>: UTF-8 text to o200k_harmony ids as one JSON array.</summary>
public sealed class TokenizeCommand : ICliCommand
{
    public Command Build()
    {
        var special = new Option<bool>("--special") { Description = "Encode special-token literals such as <|start|> as special tokens (default: as plain text)" };
        var count = new Option<bool>("--count") { Description = "Print only the number of tokens" };
        var file = new Argument<string?>("file") { Arity = ArgumentArity.ZeroOrOne, Description = "UTF-8 text file, or - (default) for standard input" };
        var command = new Command("tokenize", "Encode UTF-8 text with the o200k_harmony tokenizer and print the ids as a JSON array");
        command.Options.Add(special);
        command.Options.Add(count);
        command.Arguments.Add(file);
        command.SetAction(parseResult =>
        {
            string? path = parseResult.GetValue(file);
            if (path is { Length: > 1 } && path[0] == '-')
            {
                Console.Error.WriteLine($"campfire: tokenize: unknown option {path} (use ./{path} for a file of that name)");
                return ExitCodes.BadUsage;
            }
            using Stream input = CliInput.OpenRead(path);
            return Run(input, path, parseResult.GetValue(special), parseResult.GetValue(count), Console.Out);
        });
        return command;
    }

    internal static int Run(byte[] utf8, string? path, bool allowSpecialTokens, bool countOnly, TextWriter output)
    {
        using var input = new MemoryStream(utf8, writable: false);
        return Run(input, path, allowSpecialTokens, countOnly, output);
    }

    /// <summary>
    /// Streams <paramref name="input"/> through <see cref="O200kStreamingEncoder"/> in 1 MiB reads: memory stays flat
    /// in the input size, and the ids are exactly those of the whole text (every byte counts, a byte-order mark included).
    /// </summary>
    internal static int Run(Stream input, string? path, bool allowSpecialTokens, bool countOnly, TextWriter output)
    {
        string source = string.IsNullOrEmpty(path) || path == "-" ? "standard input" : path;
        var encoder = new O200kStreamingEncoder(O200kHarmonyTokenizer.Instance, allowSpecialTokens);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var ids = new ArrayBufferWriter<int>(ChunkBytes / 2);
        var line = new StringBuilder();
        long total = 0;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = input.Read(chunk, 0, ChunkBytes);
                }
                catch (IOException e)
                {
                    throw new CliInputException($"{source}: cannot read: {e.Message}");
                }
                OperationStatus status = encoder.Encode(chunk.AsSpan(0, read), isFinalBlock: read == 0, ids, out _);
                if (status == OperationStatus.InvalidData)
                {
                    // Ids already printed stay printed (the array is left open); a small input prints nothing.
                    if (total > 0 && !countOnly)
                        output.WriteLine();
                    return CliInput.Fail($"{source}: invalid UTF-8 at byte offset {encoder.InvalidDataOffset.ToString(CultureInfo.InvariantCulture)}");
                }
                if (!countOnly && ids.WrittenCount > 0)
                    WriteIds(ids.WrittenSpan, total == 0, line, output);
                total += ids.WrittenCount;
                ids.ResetWrittenCount();
                if (status == OperationStatus.Done)
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (countOnly)
            output.WriteLine(total.ToString(CultureInfo.InvariantCulture));
        else
            output.WriteLine(total == 0 ? "[]" : "]");
        return ExitCodes.Success;
    }

    private const int ChunkBytes = 1 << 20;

    private static void WriteIds(ReadOnlySpan<int> ids, bool first, StringBuilder line, TextWriter output)
    {
        line.Clear();
        if (first)
            line.Append('[');
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0 || !first)
                line.Append(',');
            line.Append(ids[i]);
        }
        output.Write(line);
    }
}
