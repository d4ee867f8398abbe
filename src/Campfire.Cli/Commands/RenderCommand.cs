using System.CommandLine;
using System.Globalization;
using System.Text;
using Campfire.Harmony;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire render [--text] [--no-completion] [--no-drop] [--next-role ROLE] [FILE|-]</c>: renders a conversation in the
/// reference's JSON shape to token ids (one JSON array on one line) or, with --text, to Harmony text.
/// </summary>
public sealed class RenderCommand : ICliCommand
{
    private static readonly string[] RoleNamesInOrder = ["assistant", "user", "system", "developer", "tool"];

    public Command Build()
    {
        var text = new Option<bool>("--text") { Description = "Print the Harmony text (ids decoded, special tokens as their literals) instead of ids" };
        var noCompletion = new Option<bool>("--no-completion") { Description = "Render the conversation alone, without <|start|> and the next role" };
        var noDrop = new Option<bool>("--no-drop") { Description = "Keep analysis messages that the reference's default config drops after a final answer" };
        var nextRole = new Option<string>("--next-role")
        {
            Description = "Role of the turn to complete (default: assistant)",
            HelpName = "ROLE",
            DefaultValueFactory = _ => "assistant",
        };
        nextRole.OneOf(RoleNamesInOrder);
        var file = new Argument<string?>("file")
        {
            Description = "Conversation JSON ({\"messages\": [...]}); '-' or nothing reads standard input",
            Arity = ArgumentArity.ZeroOrOne,
        };

        var command = new Command("render", "Render a Harmony conversation (JSON) to o200k_harmony token ids, as openai/harmony does");
        command.Options.Add(text);
        command.Options.Add(noCompletion);
        command.Options.Add(noDrop);
        command.Options.Add(nextRole);
        command.Arguments.Add(file);
        command.SetAction(parseResult =>
        {
            bool nextRoleGiven = parseResult.GetResult(nextRole) is { Implicit: false };
            if (nextRoleGiven && parseResult.GetValue(noCompletion))
            {
                Console.Error.WriteLine("campfire: --next-role cannot be used with --no-completion");
                return ExitCodes.BadUsage;
            }
            var request = new RenderRequest(
                parseResult.GetValue(file),
                parseResult.GetValue(text),
                !parseResult.GetValue(noCompletion),
                !parseResult.GetValue(noDrop),
                RoleNames.Parse(parseResult.GetValue(nextRole) ?? "assistant"));
            return Run(request, Console.Out);
        });
        return command;
    }

    internal sealed record RenderRequest(string? File, bool Text, bool ForCompletion, bool AutoDrop, Role NextRole);

    internal static int Run(RenderRequest request, TextWriter output)
    {
        int[] ids;
        try
        {
            var conversation = HarmonyJson.ParseConversation(CliInput.ReadAllBytes(request.File));
            var options = request.AutoDrop ? RenderOptions.Default : RenderOptions.KeepAnalysis;
            var renderer = HarmonyRenderer.Default;
            ids = request.ForCompletion
                ? renderer.RenderConversationForCompletion(conversation, request.NextRole, options)
                : renderer.RenderConversation(conversation, options);
        }
        catch (CliInputException e)
        {
            return CliInput.Fail(e.Message);
        }
        catch (HarmonyException e)
        {
            return CliInput.Fail($"{CliInput.SourceName(request.File)}: {e.Message}");
        }

        if (request.Text)
        {
            output.Write(HarmonyRenderer.Default.Tokenizer.Decode(ids));
            output.Write('\n');
        }
        else
        {
            output.Write(FormatIds(ids));
            output.Write('\n');
        }
        output.Flush();
        return ExitCodes.Success;
    }

    internal static string FormatIds(ReadOnlySpan<int> ids)
    {
        var builder = new StringBuilder(ids.Length * 7 + 2);
        builder.Append('[');
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0)
                builder.Append(',');
            builder.Append(ids[i].ToString(CultureInfo.InvariantCulture));
        }
        return builder.Append(']').ToString();
    }
}
