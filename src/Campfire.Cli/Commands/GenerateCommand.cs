using System.CommandLine;
using System.Text.Json;
using Campfire.Harmony;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Json;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire generate --model DIR ... [FILE|-]</c>: raw generation without the engine. Reads a JSON array of prompt
/// ids, prints the generated ids as one JSON array, stopping at a Harmony stop token (&lt;|return|&gt;, &lt;|call|&gt;,
/// &lt;|endoftext|&gt;) or the limit. With temperature 0 it is greedy and deterministic: the command that checks a port
/// against another implementation of the model. With <c>--constrain CONVERSATION</c>, every token is sampled only among
/// those that keep the assistant turn well-formed Harmony for that conversation's tools and channels.
/// </summary>
public sealed class GenerateCommand : ICliCommand
{
    internal static readonly int[] StopTokens = [HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.EndOfText];

    public Command Build()
    {
        var options = new InferenceCliOptions();
        var input = new Argument<string?>("FILE") { Description = "JSON array of prompt token ids (- or absent: stdin)", Arity = ArgumentArity.ZeroOrOne };
        var constrain = new Option<string?>("--constrain")
        {
            Description = "sample only well-formed Harmony: FILE is the conversation (harmony JSON, as `campfire render` reads it) whose tools "
                          + "and channels make the grammar; the prompt must end in <|start|>assistant (or a header begun after it)",
            HelpName = "FILE",
        };
        var command = new Command("generate", "Continue a prompt of token ids with a gpt-oss model (TorchSharp decode loop); prints the generated ids");
        options.AddTo(command);
        command.Options.Add(constrain);
        command.Arguments.Add(input);
        command.SetAction(async (result, cancellationToken) =>
        {
            string? path = result.GetValue(input);
            int[] prompt = ParseIds(CliInput.ReadAllBytes(path), CliInput.SourceName(path));
            var generation = options.Generation(result);
            var grammar = result.GetValue(constrain) is { } conversationFile ? GrammarOf(conversationFile) : null;
            var constraint = grammar is null ? null : StartAfterPrompt(grammar, prompt);
            var (model, profiler) = options.Load(result);
            using (model)
            {
                if (grammar is not null && model.VocabularySize < grammar.VocabularySize)
                    throw new CliInputException($"--constrain needs a model with the o200k_harmony vocabulary ({grammar.VocabularySize} ids); this one has {model.VocabularySize}");
                var generator = model.CreateGenerator();
                generator.Profiler = profiler;
                var generated = new List<int>();
                var request = new TokenGenerationRequest(prompt, StopTokens, generation, Constraint: constraint);
                await foreach (int id in generator.GenerateAsync(request, cancellationToken))
                    generated.Add(id);
                Console.WriteLine(JsonSerializer.Serialize(generated));
                options.Report(result, profiler);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static HarmonyTokenGrammar GrammarOf(string conversationFile)
    {
        try
        {
            var conversation = HarmonyJson.ParseConversation(CliInput.ReadAllBytes(conversationFile));
            return HarmonyTokenGrammar.ForConversation(conversation);
        }
        catch (CliInputException e)
        {
            throw new CliInputException($"--constrain {e.Message}");
        }
        catch (HarmonyException e)
        {
            throw new CliInputException($"--constrain {CliInput.SourceName(conversationFile)}: {e.Message}");
        }
    }

    /// <summary>The grammar's constraint positioned where the prompt ends: after its last <c>&lt;|start|&gt;assistant</c>
    /// and whatever header the prompt already begins there (a forced recipient, for instance).</summary>
    private static ITokenConstraint StartAfterPrompt(HarmonyTokenGrammar grammar, int[] prompt)
    {
        int start = Array.LastIndexOf(prompt, HarmonyTokens.Start);
        if (start < 0 || start + 1 >= prompt.Length || prompt[start + 1] != AssistantToken)
            throw new CliInputException("--constrain: the prompt must end with <|start|>assistant (as `campfire render` writes it), optionally followed by the start of a header");
        try
        {
            return grammar.Start(prompt.AsSpan(start + 2));
        }
        catch (ArgumentException e)
        {
            throw new CliInputException($"--constrain: the prompt's header after <|start|>assistant is not one this conversation allows: {e.Message}");
        }
    }

    private static readonly int AssistantToken = O200kHarmonyTokenizer.Instance.EncodeToIds("assistant").Single();

    internal static int[] ParseIds(byte[] json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new CliInputException($"{source}: expected a JSON array of token ids");
            var ids = new int[doc.RootElement.GetArrayLength()];
            int i = 0;
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int id) || id < 0)
                    throw new CliInputException($"{source}: element {i} is not a non-negative integer token id");
                ids[i++] = id;
            }
            if (ids.Length == 0) throw new CliInputException($"{source}: the prompt is empty");
            return ids;
        }
        catch (JsonException e)
        {
            throw new CliInputException($"{source}: {CliInput.JsonSyntax(e)}");
        }
    }
}
