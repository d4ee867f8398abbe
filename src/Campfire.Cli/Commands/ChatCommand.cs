using System.CommandLine;
using Campfire.Guidance;
using Campfire.Harmony.Engine;
using Campfire.Decoding;
using Campfire.Search;

namespace Campfire.Cli.Commands;

/// <summary>
/// <c>campfire chat --model DIR ... PROMPT</c>: the emergency-guidance flow (system prompt, browser tool over the sample
/// first-aid corpus) driven by a real model through the TorchSharp decode loop. The final channel streams to standard
/// output; the analysis channel and tool activity go to standard error (dimmed on a terminal). With <c>--script FILE</c>,
/// each non-empty line of FILE is one user turn of the same conversation (the engine keeps it, and the local model its
/// KV cache, between turns).
/// </summary>
public sealed class ChatCommand : ICliCommand
{
    public Command Build()
    {
        var options = new InferenceCliOptions();
        var remote = new RemoteChatSupport();
        var prompt = new Argument<string>("PROMPT") { Description = "the question to ask", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var script = new Option<FileInfo?>("--script") { Description = "run one user turn per non-empty line of FILE, in one conversation (instead of PROMPT)" };
        var command = new Command("chat",
            "Ask the emergency-guidance assistant a question, answered by a local gpt-oss model (--model DIR) or by vLLM/SGLang servers (--endpoint URL)");
        options.AddTo(command);
        remote.AddTo(command, options.Model);
        command.Arguments.Add(prompt);
        command.Options.Add(script);
        command.SetAction(async (result, cancellationToken) =>
        {
            string question = result.GetValue(prompt) ?? "";
            var scriptFile = result.GetValue(script);
            string[] questions;
            if (scriptFile is not null)
            {
                if (question.Length > 0) throw new CliInputException("give either PROMPT or --script FILE, not both");
                if (!scriptFile.Exists) throw new CliInputException($"--script: no such file '{scriptFile.FullName}'");
                questions = [.. File.ReadAllLines(scriptFile.FullName).Where(line => !string.IsNullOrWhiteSpace(line))];
                if (questions.Length == 0) throw new CliInputException($"--script: '{scriptFile.FullName}' has no non-empty line");
            }
            else
            {
                if (string.IsNullOrWhiteSpace(question)) throw new CliInputException("PROMPT must not be empty");
                questions = [question];
            }
            var generation = options.Generation(result);
            ITokenGenerator generator;
            IDisposable owner;
            DecodeProfiler? profiler = null;
            if (remote.IsRemote(result))
            {
                // With --endpoint, --model names the model the servers serve.
                var remoteGenerator = remote.CreateGenerator(result, result.GetValue(options.Model));
                (generator, owner) = (remoteGenerator, remoteGenerator);
            }
            else
            {
                var (model, localProfiler) = options.Load(result);
                var local = model.CreateGenerator();
                local.Profiler = profiler = localProfiler;
                (generator, owner) = (local, model);
            }
            using (owner)
            using (var backend = SampleCorpus.BuildBackend())
            {
                var engine = EmergencyGuidance.CreateEngine(backend);
                var run = new EngineRunOptions { Generation = generation, StreamDeltas = true };
                bool dim = !Console.IsErrorRedirected;
                bool finalStreamed = false;
                StopReason reason = StopReason.NoFinalAnswer;
                foreach (var turn in questions)
                {
                    if (questions.Length > 1) Console.Error.WriteLine($"\n[user] {turn}");
                    finalStreamed = false;
                    await foreach (var e in EmergencyGuidance.AskAsync(engine, generator, turn, run, cancellationToken: cancellationToken))
                    {
                        switch (e)
                        {
                            case ContentDelta { Channel: "final", Recipient: null } delta:
                                Console.Out.Write(delta.Text);
                                finalStreamed = true;
                                break;
                            case ContentDelta delta:
                                Console.Error.Write(dim ? $"\u001b[2m{delta.Text}\u001b[0m" : delta.Text);
                                break;
                            case ToolCallStarted started:
                                Console.Error.WriteLine($"\n[tool] {started.Call.Recipient} {started.Call.Args}");
                                break;
                            case ToolCallFinished finished:
                                Console.Error.WriteLine($"[tool] {finished.Call.Recipient} answered in {finished.Elapsed.TotalMilliseconds:F0} ms{(finished.Result.IsError ? " (error)" : "")}");
                                break;
                            case ParseDiagnostic diagnostic:
                                Console.Error.WriteLine($"\n[parse] {diagnostic.Description}");
                                break;
                            case FinalAnswer final:
                                Console.Out.WriteLine(finalStreamed ? $"\n\n{EmergencyGuidance.SafetyNote}" : final.DisplayText);
                                break;
                            case RunCompleted completed:
                                reason = completed.Reason;
                                Console.Error.WriteLine($"\n[run] {completed.Reason}: {completed.Usage.Rounds} round(s), {completed.Usage.CompletionTokens} tokens, {completed.Usage.TokensPerSecond:F1} tokens/s, first token {completed.Usage.TimeToFirstToken.TotalMilliseconds:F0} ms");
                                break;
                        }
                    }
                }
                options.Report(result, profiler);
                if (reason != StopReason.FinalAnswer)
                    Console.Out.WriteLine(EmergencyGuidance.SafetyNote);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
