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
            byte[] input = CliInput.ReadAllBytes(path);
            return Run(input, path, parseResult.GetValue(special), parseResult.GetValue(count), Console.Out);
        });
        return command;
    }

    internal static int Run(byte[] utf8, string? path, bool allowSpecialTokens, bool countOnly, TextWriter output)
    {
        string source = string.IsNullOrEmpty(path) || path == "-" ? "standard input" : path;
        ReadOnlySpan<byte> text = utf8.AsSpan();     // every byte counts, a byte-order mark included

        var tokenizer = O200kHarmonyTokenizer.Instance;
        var ids = new ArrayBufferWriter<int>(Math.Max(16, text.Length / 3));
        while (true)
        {
            OperationStatus status = tokenizer.EncodeUtf8ToIds(text, ids.GetSpan(Math.Max(16, text.Length)), out int consumed, out int written, allowSpecialTokens);
            ids.Advance(written);
            if (status == OperationStatus.Done)
                break;
            if (status == OperationStatus.InvalidData)
            {
                long offset = utf8.Length - text.Length + consumed;
                return CliInput.Fail($"{source}: invalid UTF-8 at byte offset {offset.ToString(CultureInfo.InvariantCulture)}");
            }
            text = text[consumed..];
        }

        if (countOnly)
        {
            output.WriteLine(ids.WrittenCount.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Success;
        }
        var line = new StringBuilder(ids.WrittenCount * 7 + 2);
        line.Append('[');
        ReadOnlySpan<int> encoded = ids.WrittenSpan;
        for (int i = 0; i < encoded.Length; i++)
        {
            if (i > 0)
                line.Append(',');
            line.Append(encoded[i].ToString(CultureInfo.InvariantCulture));
        }
        line.Append(']');
        output.WriteLine(line.ToString());
        return ExitCodes.Success;
    }
}
