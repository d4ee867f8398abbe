using System.CommandLine;
using System.Diagnostics;
using Campfire.Cli.Engine;
using Campfire.Harmony;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Tools;
using Campfire.Guidance;
using Campfire.Search;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire demo</c>: the emergency-guidance flow end to end, offline. Indexes the embedded sample corpus, asks
/// the demo question and drives the engine with a scripted model (or a real one through <c>--model</c>, loaded by
/// <see cref="LocalModel"/>), printing every step.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the engine's events as JSON lines" };
        var model = new Option<string?>("--model") { Description = "Run a real gpt-oss model from this folder instead of the scripted one" };
        var question = new Option<string?>("--question") { Description = "Ask this instead (needs --model: the scripted model knows one question)" };
        var index = new Option<string?>("--index") { Description = "Search this index (from `campfire index`) instead of the sample corpus (needs --model)" };
        var delay = new Option<int>("--delay-ms") { Description = "Pause this long before each scripted token, to watch it stream", DefaultValueFactory = _ => 0 };
        var stream = new Option<bool>("--stream") { Description = "Print the model's text as it is generated" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per model turn", DefaultValueFactory = _ => GenerationOptions.Default.MaxTokens };
        var dtype = new Option<string?>("--dtype") { Description = "activation precision with --model: float32 (default) or bfloat16" };
        dtype.OneOf("float32", "bfloat16");
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads with --model (0: one per core)", DefaultValueFactory = _ => 0 };
        var constrain = new Option<bool>("--constrain")
        {
            Description = "Sample only well-formed Harmony (a token mask from the tools and channels before every step); with the scripted model, every scripted token is checked against it",
        };
        threads.AtLeast(0);
        var command = new Command("demo", "Run the offline emergency-guidance demo: search, open, answer with checked citations (scripted model unless --model)");
        foreach (var option in new Option[] { json, model, question, index, delay, stream, maxTokens, dtype, threads, constrain }) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            bool local = parse.GetValue(model) is not null;
            if (!local && (parse.GetResult(dtype) is { Implicit: false } || parse.GetResult(threads) is { Implicit: false }))
                return Usage("--dtype and --threads need --model: the scripted model runs no libtorch");
            var precision = parse.GetValue(dtype) == "bfloat16" ? Campfire.Inference.Runtime.ActivationDType.BFloat16
                : parse.GetValue(dtype) == "float32" ? Campfire.Inference.Runtime.ActivationDType.Float32 : (Campfire.Inference.Runtime.ActivationDType?)null;
            return await RunAsync(
                new DemoSettings(parse.GetValue(json), parse.GetValue(model), parse.GetValue(question), parse.GetValue(index),
                    parse.GetValue(delay), parse.GetValue(stream), parse.GetValue(maxTokens), parse.GetValue(constrain)),
                Console.Out, LocalModel.TorchSharpCpuWith(precision, parse.GetValue(threads)), cancellationToken);
        });
        return command;
    }

    internal sealed record DemoSettings(bool Json, string? Model, string? Question, string? Index, int DelayMs, bool Stream, int MaxTokens, bool Constrain = false);

    internal static async Task<int> RunAsync(DemoSettings settings, TextWriter output, LocalModel localModel, CancellationToken cancellationToken)
    {
        if (settings.Model is null && (settings.Question is not null || settings.Index is not null))
            return Usage("--question and --index need --model: the scripted model only knows the demo question over the sample corpus");
        if (settings.DelayMs < 0) return Usage("--delay-ms must not be negative");
        if (settings.Question is not null && string.IsNullOrWhiteSpace(settings.Question)) return Usage("--question must not be empty");
        if (settings.MaxTokens < 1) return Usage("--max-tokens must be positive");

        ITokenGenerator generator;
        string modelLabel;
        if (settings.Model is null)
        {
            generator = EmergencyDemo.CreateScriptedModel(TimeSpan.FromMilliseconds(settings.DelayMs));
            modelLabel = "SCRIPTED MODEL: replays a prepared Harmony completion (no weights ship with Campfire); run with --model DIR for a real one";
        }
        else
        {
            if (!Directory.Exists(settings.Model)) return CliInput.Fail($"{settings.Model}: model folder not found");
            try
            {
                generator = localModel.Load(settings.Model);
                // Without --stream or --json a real model's turns would pass in silence: show progress on a terminal.
                if (!settings.Stream && !settings.Json)
                    generator = TerminalProgressGenerator.Wrap(generator);
            }
            catch (HarmonyException e)
            {
                return CliInput.Fail($"{settings.Model}: {e.Message}");
            }
            modelLabel = $"{localModel.Name} model from {settings.Model}";
        }

        var clock = Stopwatch.StartNew();
        using var backend = settings.Index is null ? SampleCorpus.BuildBackend() : LuceneSearchBackend.Open(settings.Index);
        var indexTime = clock.Elapsed;
        var question = settings.Question ?? EmergencyDemo.Question;
        var engine = EmergencyGuidance.CreateEngine(backend);
        var console = new EngineEventConsole(output, settings.Json, settings.Stream);

        if (settings.Json)
        {
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["type"] = "demo_started",
                ["model"] = settings.Model is null ? "scripted" : modelLabel,
                ["corpus"] = backend.Source,
                ["documents"] = backend.DocumentCount,
                ["index_ms"] = Math.Round(indexTime.TotalMilliseconds, 3),
                ["question"] = question,
                ["constrained"] = settings.Constrain,
            }));
        }
        else
        {
            output.WriteLine("Campfire demo: offline emergency guidance (Harmony engine + browser tool over a Lucene.Net BM25 index)");
            output.WriteLine($"Model:  {modelLabel}{(settings.Constrain ? " (constrained: only well-formed Harmony can be sampled)" : "")}");
            output.WriteLine($"Corpus: {backend.Source}, {backend.DocumentCount} documents, indexed in {indexTime.TotalMilliseconds:F0} ms" +
                             (settings.Index is null ? " (sample documents, not medical authority)" : ""));
            output.WriteLine();
            output.WriteLine($"── user");
            output.WriteLine($"  {question}");
        }

        var runOptions = new EngineRunOptions
        {
            Generation = GenerationOptions.Default with { MaxTokens = settings.MaxTokens },
            StreamDeltas = settings.Json || settings.Stream,
            Constrain = settings.Constrain,
        };
        await foreach (var engineEvent in EmergencyGuidance.AskAsync(engine, generator, question, runOptions, cancellationToken: cancellationToken).ConfigureAwait(false))
            console.Write(engineEvent);

        if (console.StopReason == StopReason.FinalAnswer)
            return ExitCodes.Success;
        await Console.Error.WriteLineAsync($"campfire: demo: no final answer: {EngineEventConsole.Explain(console.StopReason ?? StopReason.NoFinalAnswer)}").ConfigureAwait(false);
        return ExitCodes.BadInput;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"campfire: {message}");
        return ExitCodes.BadUsage;
    }
}
