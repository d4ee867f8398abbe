using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Commands;

/// <summary><c>campfire decode [FILE|-]</c>: a JSON array of o200k_harmony ids to the text it encodes.</summary>
public sealed class DecodeCommand : ICliCommand
{
    public Command Build()
    {
        var file = new Argument<string?>("file") { Arity = ArgumentArity.ZeroOrOne, Description = "File holding a JSON array of token ids, or - (default) for standard input" };
        var command = new Command("decode", "Decode a JSON array of o200k_harmony token ids and print the text");
        command.Arguments.Add(file);
        command.SetAction(parseResult =>
        {
            string? path = parseResult.GetValue(file);
            if (path is { Length: > 1 } && path[0] == '-')
            {
                Console.Error.WriteLine($"campfire: decode: unknown option {path} (use ./{path} for a file of that name)");
                return ExitCodes.BadUsage;
            }
            byte[] input = CliInput.ReadAllBytes(path);
            return Run(input, path, Console.OpenStandardOutput());
        });
        return command;
    }

    internal static int Run(byte[] json, string? path, Stream output)
    {
        string source = string.IsNullOrEmpty(path) || path == "-" ? "standard input" : path;
        var ids = new List<int>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                return CliInput.Fail($"{source}: expected a JSON array of token ids at byte offset {reader.TokenStartIndex.ToString(CultureInfo.InvariantCulture)}");
            while (true)
            {
                if (!reader.Read())
                    return CliInput.Fail($"{source}: unterminated JSON array");
                if (reader.TokenType == JsonTokenType.EndArray)
                    break;
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id))
                    return CliInput.Fail($"{source}: array index {ids.Count.ToString(CultureInfo.InvariantCulture)} is not an integer token id (byte offset {reader.TokenStartIndex.ToString(CultureInfo.InvariantCulture)})");
                ids.Add(id);
            }
            if (reader.Read())
                return CliInput.Fail($"{source}: unexpected content after the array at byte offset {reader.TokenStartIndex.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (JsonException e)
        {
            return CliInput.Fail($"{source}: invalid JSON at line {((e.LineNumber ?? 0) + 1).ToString(CultureInfo.InvariantCulture)}, byte {((e.BytePositionInLine ?? 0) + 1).ToString(CultureInfo.InvariantCulture)}");
        }

        var tokenizer = O200kHarmonyTokenizer.Instance;
        for (int i = 0; i < ids.Count; i++)
        {
            if (!tokenizer.IsValidId(ids[i]))
                return CliInput.Fail($"{source}: unknown token id {ids[i].ToString(CultureInfo.InvariantCulture)} at array index {i.ToString(CultureInfo.InvariantCulture)} (o200k_harmony ids are 0 to {HarmonyTokens.VocabularySize - 1})");
        }

        // The ids' bytes are written as they are: a sequence that is not UTF-8 (e.g. a lone surrogate's bytes) round-trips.
        var bytes = new byte[tokenizer.GetDecodedByteCount(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids))];
        tokenizer.DecodeToUtf8(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids), bytes, out _, out int written);
        output.Write(bytes, 0, written);     // exactly the text: no newline added, so tokenize | decode round-trips
        output.Flush();
        return ExitCodes.Success;
    }
}
