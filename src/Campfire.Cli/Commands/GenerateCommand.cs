using System.CommandLine;
using System.Text.Json;
using Campfire.Harmony.Tokenization;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire generate --model DIR ... [FILE|-]</c>: raw generation without the engine. Reads a JSON array of prompt
/// ids, prints the generated ids as one JSON array, stopping at a Harmony stop token (&lt;|return|&gt;, &lt;|call|&gt;,
/// &lt;|endoftext|&gt;) or the limit. With temperature 0 it is greedy and deterministic: the command that checks a port
/// against another implementation of the model.
/// </summary>
public sealed class GenerateCommand : ICliCommand
{
    internal static readonly int[] StopTokens = [HarmonyTokens.Return, HarmonyTokens.Call, HarmonyTokens.EndOfText];

    public Command Build()
    {
        var options = new InferenceCliOptions();
        var input = new Argument<string?>("FILE") { Description = "JSON array of prompt token ids (- or absent: stdin)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("generate", "Continue a prompt of token ids with a gpt-oss model (TorchSharp decode loop); prints the generated ids");
        options.AddTo(command);
        command.Arguments.Add(input);
        command.SetAction(async (result, cancellationToken) =>
        {
            string? path = result.GetValue(input);
            int[] prompt = ParseIds(CliInput.ReadAllBytes(path), CliInput.SourceName(path));
            var generation = options.Generation(result);
            var (model, profiler) = options.Load(result);
            using (model)
            {
                var generator = model.CreateGenerator();
                generator.Profiler = profiler;
                var generated = new List<int>();
                await foreach (int id in generator.GenerateAsync(prompt, StopTokens, generation, cancellationToken))
                    generated.Add(id);
                Console.WriteLine(JsonSerializer.Serialize(generated));
                options.Report(result, profiler);
            }
            return ExitCodes.Success;
        });
        return command;
    }

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
