using System.CommandLine;
using Campfire.Harmony.Engine;
using Campfire.Inference;
using Campfire.Decoding;
using Campfire.Inference.Runtime;

namespace Campfire.Cli.Commands;

/// <summary>The model and sampling options shared by <c>generate</c> and <c>chat</c>.</summary>
internal sealed class InferenceCliOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "gpt-oss checkpoint folder (original/ or Hugging Face layout)", Required = true };
    public Option<string> Device { get; } = new("--device") { Description = "cpu or cuda (cuda needs a CUDA libtorch 2.10: see docs)", DefaultValueFactory = _ => "cpu" };
    public Option<string?> DType { get; } = new("--dtype") { Description = "activation precision: float32 (CPU default) or bfloat16 (CUDA default)" };
    public Option<int> MaxTokens { get; } = new("--max-tokens") { Description = "most tokens to generate", DefaultValueFactory = _ => 256 };
    public Option<float> Temperature { get; } = new("--temperature") { Description = "0 = greedy (deterministic)", DefaultValueFactory = _ => 0f };
    public Option<float> TopP { get; } = new("--top-p") { Description = "nucleus mass in (0, 1]", DefaultValueFactory = _ => 1f };
    public Option<int?> Seed { get; } = new("--seed") { Description = "sampling seed (same seed, same tokens)" };
    public Option<int> Threads { get; } = new("--threads") { Description = "libtorch CPU threads (0: one per core; 1 is often fastest for small models or busy machines)", DefaultValueFactory = _ => 0 };
    public Option<bool> Profile { get; } = new("--profile") { Description = "print a timing table to stderr (load, prefill, steps, tokens/s, a step split into attention, MoE (router, experts), unembedding and sampling, parser, channel wait)" };
    public Option<string?> Trace { get; } = new("--trace") { Description = "write a Chrome trace (JSON) of the decode steps to FILE" };

    public InferenceCliOptions()
    {
        Device.OneOf("cpu", "cuda");
        DType.OneOf("float32", "bfloat16");
        MaxTokens.AtLeast(1);
        Temperature.Within(t => t >= 0, "a finite number ≥ 0");
        TopP.Within(p => p > 0 && p <= 1, "in (0, 1]");
        Threads.AtLeast(0);
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Device, DType, MaxTokens, Temperature, TopP, Seed, Threads, Profile, Trace })
            command.Options.Add(option);
    }

    public GenerationOptions Generation(ParseResult result)
    {
        int max = result.GetValue(MaxTokens);
        if (max <= 0) throw new CliInputException($"--max-tokens must be positive, got {max}");
        float temperature = result.GetValue(Temperature);
        if (!(temperature >= 0) || float.IsInfinity(temperature)) throw new CliInputException($"--temperature must be ≥ 0, got {temperature}");
        float topP = result.GetValue(TopP);
        if (!(topP > 0 && topP <= 1)) throw new CliInputException($"--top-p must be in (0, 1], got {topP}");
        return new GenerationOptions { MaxTokens = max, Temperature = temperature, TopP = topP, Seed = result.GetValue(Seed) };
    }

    public (GptOssDecodeModel Model, DecodeProfiler? Profiler) Load(ParseResult result)
    {
        var device = result.GetValue(Device) switch
        {
            "cpu" => InferenceDevice.Cpu,
            "cuda" => InferenceDevice.Cuda,
            var other => throw new CliInputException($"--device must be cpu or cuda, got '{other}'"),
        };
        ActivationDType? dtype = result.GetValue(DType) switch
        {
            null => null,
            "float32" => ActivationDType.Float32,
            "bfloat16" => ActivationDType.BFloat16,
            var other => throw new CliInputException($"--dtype must be float32 or bfloat16, got '{other}'"),
        };
        int threads = result.GetValue(Threads);
        if (threads < 0) throw new CliInputException($"--threads must be ≥ 0, got {threads}");
        TorchRuntime.SetCpuThreads(threads);
        long loadStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var model = GptOssDecodeModel.Load(result.GetValue(Model)!, device, dtype);
        double loadMs = System.Diagnostics.Stopwatch.GetElapsedTime(loadStart).TotalMilliseconds;
        bool profile = result.GetValue(Profile);
        string? trace = result.GetValue(Trace);
        return (model, profile || trace is not null ? new DecodeProfiler(recordTrace: trace is not null) { LoadMs = loadMs } : null);
    }

    public void Report(ParseResult result, DecodeProfiler? profiler)
    {
        if (profiler is null) return;
        if (result.GetValue(Profile)) Console.Error.Write(profiler.FormatTable());
        if (result.GetValue(Trace) is { } path)
        {
            try
            {
                using var file = File.Create(path);
                profiler.WriteChromeTrace(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliInputException($"{path}: cannot write the trace: {e.Message}");
            }
        }
    }
}
