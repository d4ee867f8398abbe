using System.Collections.Immutable;
using System.CommandLine;
using System.Text.Json;
using Campfire.Harmony;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire parse [--role ROLE] [--strict|--lenient] [--text] [FILE|-]</c>: parses a completion (a JSON array of
/// token ids, or Harmony text with --text) into <c>{"messages": [...]}</c> in the reference's JSON shape, plus
/// <c>"diagnostics"</c> in lenient mode. Default mode: non-strict.
/// </summary>
public sealed class ParseCommand : ICliCommand
{
    private static readonly string[] RoleNamesInOrder = ["assistant", "user", "system", "developer", "tool"];

    public Command Build()
    {
        var role = new Option<string?>("--role")
        {
            Description = "Role whose '<|start|>ROLE' prefill preceded the completion (e.g. assistant); without it parsing starts at <|start|>",
            HelpName = "ROLE",
        };
        role.OneOf(RoleNamesInOrder);
        var strict = new Option<bool>("--strict") { Description = "The reference's strict mode: any deviation is an error" };
        var lenient = new Option<bool>("--lenient") { Description = "Recover from known gpt-oss quirks and report each as a diagnostic" };
        var text = new Option<bool>("--text") { Description = "Input is Harmony text (special tokens as literals) instead of a JSON array of ids" };
        var file = new Argument<string?>("file")
        {
            Description = "Completion to parse; '-' or nothing reads standard input",
            Arity = ArgumentArity.ZeroOrOne,
        };

        var command = new Command("parse", "Parse a gpt-oss completion (token ids or Harmony text) into messages, as openai/harmony does");
        command.Options.Add(role);
        command.Options.Add(strict);
        command.Options.Add(lenient);
        command.Options.Add(text);
        command.Arguments.Add(file);
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(strict) && parseResult.GetValue(lenient))
            {
                Console.Error.WriteLine("campfire: --strict and --lenient cannot be used together");
                return ExitCodes.BadUsage;
            }
            var mode = parseResult.GetValue(strict) ? ParseMode.Strict : parseResult.GetValue(lenient) ? ParseMode.Lenient : ParseMode.NonStrict;
            Role? prefill = parseResult.GetValue(role) is { } name ? RoleNames.Parse(name) : null;
            var request = new ParseRequest(parseResult.GetValue(file), prefill, mode, parseResult.GetValue(text));
            using var stdout = Console.OpenStandardOutput();
            return Run(request, stdout, Console.Error);
        });
        return command;
    }

    internal sealed record ParseRequest(string? File, Role? Role, ParseMode Mode, bool Text);

    internal static int Run(ParseRequest request, Stream output, TextWriter error)
    {
        HarmonyParseResult result;
        try
        {
            byte[] input = CliInput.ReadAllBytes(request.File);
            // Text files end with a newline that is no part of the completion: trim trailing whitespace, as the
            // reference does when it reads its test-data files.
            result = request.Text
                ? HarmonyTextParser.Parse(input.AsSpan().TrimEnd(" \t\r\n"u8), request.Role, request.Mode)
                : HarmonyCompletionParser.Parse(ReadIds(input, CliInput.SourceName(request.File)), request.Role, request.Mode);
        }
        catch (CliInputException e)
        {
            error.WriteLine($"campfire: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (HarmonyParseException e)
        {
            // Text input is parsed byte by byte, ids token by token: say which the position counts.
            string where = request.Text ? $"at byte offset {e.TokenIndex}" : $"at token index {e.TokenIndex}";
            error.WriteLine($"campfire: {CliInput.SourceName(request.File)}: {where} (state {e.State}): {e.Detail}");
            return ExitCodes.BadInput;
        }
        catch (HarmonyException e)
        {
            error.WriteLine($"campfire: {CliInput.SourceName(request.File)}: {e.Message}");
            return ExitCodes.BadInput;
        }

        using (var writer = new Utf8JsonWriter(output, HarmonyJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("messages"u8);
            HarmonyJson.WriteMessages(writer, result.Messages);
            if (request.Mode == ParseMode.Lenient)
                HarmonyParseDiagnosticJson.Write(writer, result.Diagnostics);
            writer.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        output.Flush();
        return ExitCodes.Success;
    }

    /// <summary>Reads a JSON array of integers (token ids).</summary>
    internal static int[] ReadIds(ReadOnlySpan<byte> json, string source = "input")
    {
        var ids = new List<int>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                throw new CliInputException($"{source}: not a JSON array of token ids (use --text for Harmony text)");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id))
                    throw new CliInputException($"{source}: not a JSON array of token ids: element {ids.Count} is not an integer id");
                ids.Add(id);
            }
            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
                throw new CliInputException($"{source}: not a JSON array of token ids: unexpected content after the array");
        }
        catch (JsonException e)
        {
            throw new CliInputException($"{source}: {CliInput.JsonSyntax(e)}");
        }
        return [.. ids];
    }
}
