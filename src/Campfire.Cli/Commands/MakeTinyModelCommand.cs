using System.CommandLine;
using System.Globalization;
using Campfire.Inference.Model;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire make-tiny-model DIR [--preset tiny|small|gpt-oss-20b] [--layout original|hf] [--vocab N] [--seed S]</c>: a random
/// gpt-oss checkpoint, tiny (the default), small (hidden 1024, 8 layers, 8 experts; ~0.97 GB) or with gpt-oss-20b's exact
/// shapes (~13.8 GB).
/// </summary>
public sealed class MakeTinyModelCommand : ICliCommand
{
    /// <summary>Largest --vocab of the tiny preset.</summary>
    public const int MaxVocab = 1 << 20;

    /// <summary>When set to a byte count, the free space the target's filesystem is taken to have (tests the refusal
    /// without filling a disk).</summary>
    public const string AssumeFreeBytesVariable = "CAMPFIRE_ASSUME_FREE_BYTES";

    public Command Build()
    {
        var dir = new Argument<string>("DIR") { Description = "folder to write (created if needed; must be empty)" };
        var preset = new Option<string>("--preset") { Description = "tiny (2 layers, hidden 64, 4 experts), small (8 layers, hidden 1024, 8 experts top-4, 16/4 heads of 64; ~0.97 GB) or gpt-oss-20b (the real model's config and shapes, ~13.8 GB)", DefaultValueFactory = _ => "tiny" };
        preset.OneOf("tiny", "small", "gpt-oss-20b");
        var layout = new Option<string>("--layout") { Description = "original (openai/gpt-oss names) or hf (Hugging Face names, sharded)", DefaultValueFactory = _ => "original" };
        layout.OneOf("original", "hf");
        var vocab = new Option<int>("--vocab") { Description = "vocabulary size of the tiny preset (201088 keeps real Harmony prompts runnable; 256 is smallest)", DefaultValueFactory = _ => 201088 };
        var seed = new Option<ulong>("--seed") { Description = "weight generator seed", DefaultValueFactory = _ => 0UL };
        var command = new Command("make-tiny-model", "Write a random gpt-oss checkpoint from a seed: tiny (for testing the decode loop), small or gpt-oss-20b-shaped (for measuring at larger and real scale)");
        command.Arguments.Add(dir);
        command.Options.Add(preset);
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
            var kind = result.GetValue(preset) switch
            {
                "tiny" => CheckpointPreset.Tiny,
                "small" => CheckpointPreset.Small,
                "gpt-oss-20b" => CheckpointPreset.GptOss20B,
                var other => throw new CliInputException($"--preset must be tiny, small or gpt-oss-20b, got '{other}'"),
            };
            int v = result.GetValue(vocab);
            if (kind != CheckpointPreset.Tiny && result.GetResult(vocab) is { Implicit: false })
                throw new CliUsageException("--vocab applies to --preset tiny only (small and gpt-oss-20b have gpt-oss-20b's 201088)");
            if (v < 256 || v > MaxVocab) throw new CliUsageException($"--vocab must be between 256 and {MaxVocab}, got {v}");
            string folder = result.GetValue(dir)!;
            if (File.Exists(folder)) throw new CliInputException($"{folder}: is a file, not a folder");
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
                throw new CliInputException($"{folder}: is not empty (a checkpoint is written into an empty or new folder)");

            var plan = CheckpointPlan.Create(kind, chosen, v);
            long needed = plan.TotalBytes;
            long available = AvailableBytes(folder);
            if (available < needed)
                throw new CliInputException($"{folder}: not enough free space: the checkpoint needs {Size(needed)}, its filesystem has {Size(available)} available");

            bool created = !Directory.Exists(folder);
            try
            {
                var config = TinyModelWriter.Write(folder, plan, result.GetValue(seed));
                string what = kind switch
                {
                    CheckpointPreset.Tiny => "tiny",
                    CheckpointPreset.Small => "small",
                    _ => "gpt-oss-20b-shaped",
                };
                Console.WriteLine($"wrote a {what} gpt-oss checkpoint ({chosen}, vocab {config.VocabSize}, {config.NumHiddenLayers} layers, {Size(needed)}) to {folder}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                RemoveWritten(folder, created);
                throw new CliInputException($"{folder}: cannot write: {e.Message}");
            }
            catch
            {
                RemoveWritten(folder, created);
                throw;
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Free bytes for an unprivileged writer on the filesystem that would hold <paramref name="folder"/>.</summary>
    private static long AvailableBytes(string folder)
    {
        if (long.TryParse(Environment.GetEnvironmentVariable(AssumeFreeBytesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out long assumed))
            return assumed;
        // The folder may not exist yet: ask about its nearest existing parent, which is on the same filesystem.
        string? probe = Path.GetFullPath(folder);
        while (probe is not null && !Directory.Exists(probe)) probe = Path.GetDirectoryName(probe);
        try
        {
            return new DriveInfo(probe ?? Path.GetPathRoot(Path.GetFullPath(folder))!).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliInputException($"{folder}: cannot read the free space of its filesystem: {e.Message}");
        }
    }

    private static string Size(long bytes) => bytes >= 1_000_000_000
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:F2} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F2} MB");

    /// <summary>Leaves no half-written checkpoint: the folder if this run created it, else the files it wrote.</summary>
    private static void RemoveWritten(string folder, bool created)
    {
        try
        {
            if (created) Directory.Delete(folder, recursive: true);
            else
            {
                foreach (string entry in Directory.EnumerateFileSystemEntries(folder))
                {
                    if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                    else File.Delete(entry);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
