using System.CommandLine;
using Campfire.Inference.Model;

namespace Campfire.Cli.Commands;

/// <summary><c>campfire make-tiny-model DIR [--layout original|hf] [--vocab N] [--seed S]</c>: a small random gpt-oss checkpoint.</summary>
public sealed class MakeTinyModelCommand : ICliCommand
{
    /// <summary>Largest --vocab: the embedding (vocab × 64 bf16) must fit in one array.</summary>
    public const int MaxVocab = 1 << 20;

    public Command Build()
    {
        var dir = new Argument<string>("DIR") { Description = "folder to write (created if needed)" };
        var layout = new Option<string>("--layout") { Description = "original (openai/gpt-oss names) or hf (Hugging Face names, sharded)", DefaultValueFactory = _ => "original" };
        layout.OneOf("original", "hf");
        var vocab = new Option<int>("--vocab") { Description = "vocabulary size (201088 keeps real Harmony prompts runnable; 256 is smallest)", DefaultValueFactory = _ => 201088 };
        var seed = new Option<ulong>("--seed") { Description = "weight generator seed", DefaultValueFactory = _ => 0UL };
        var command = new Command("make-tiny-model", "Write a tiny random gpt-oss checkpoint (2 layers, hidden 64, 4 experts) for testing the decode loop");
        command.Arguments.Add(dir);
        command.Options.Add(layout);
        command.Options.Add(vocab);
        command.Options.Add(seed);
        command.SetAction(result =>
        {
            var chosen = result.GetValue(layout) switch
            {
                "original" => CheckpointLayout.Original,
                "hf" => CheckpointLayout.HuggingFace,
                var other => throw new CliInputException($"--layout must be original or hf, got '{other}'"),
            };
            int v = result.GetValue(vocab);
            if (v < 256 || v > MaxVocab) throw new CliUsageException($"--vocab must be between 256 and {MaxVocab}, got {v}");
            string folder = result.GetValue(dir)!;
            if (File.Exists(folder)) throw new CliInputException($"{folder}: is a file, not a folder");
            bool created = !Directory.Exists(folder);
            try
            {
                var config = TinyModelWriter.Write(folder, chosen, v, result.GetValue(seed));
                Console.WriteLine($"wrote a tiny gpt-oss checkpoint ({chosen}, vocab {config.VocabSize}, {config.NumHiddenLayers} layers) to {folder}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                RemoveIfCreated(folder, created);
                throw new CliInputException($"{folder}: cannot write: {e.Message}");
            }
            catch
            {
                RemoveIfCreated(folder, created);
                throw;
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static void RemoveIfCreated(string folder, bool created)
    {
        if (!created) return;
        try { Directory.Delete(folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
