using System.CommandLine;
using Campfire.Cli.Engine;
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
/// KV cache, between turns). <c>--json</c> prints the engine's events as JSON lines instead (the writer of
/// <c>campfire demo --json</c>); <c>--constrain</c> samples only well-formed Harmony (local models only).
/// </summary>
public sealed class ChatCommand : ICliCommand
{
    public Command Build()
    {
        var options = new InferenceCliOptions();
        var remote = new RemoteChatSupport();
        var prompt = new Argument<string>("PROMPT") { Description = "the question to ask", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var script = new Option<string?>("--script") { Description = "run one user turn per non-empty line of FILE, in one conversation (instead of PROMPT)" };
        var index = new Option<string?>("--index") { Description = "Search this index (from `campfire index`) instead of the sample corpus" };
        var constrain = new Option<bool>("--constrain")
        {
            Description = "sample only well-formed Harmony (a token mask from the conversation's tools and channels before every step; local --model only)",
        };
        var json = new Option<bool>("--json") { Description = "print the engine's events as JSON lines on standard output (the same events as `campfire demo --json`)" };
        var command = new Command("chat",
            "Ask the emergency-guidance assistant a question, answered by a local gpt-oss model (--model DIR) or by vLLM/SGLang servers (--endpoint URL)");
        options.AddTo(command);
        remote.AddTo(command, options.Model);
        remote.RefuseWithEndpoint(command, options.Device, options.DType, options.Threads, options.Trace, options.Profile);
        command.Options.Add(index);
        command.Options.Add(constrain);
        command.Options.Add(json);
        command.Validators.Add(parsed =>
        {
            if (parsed.GetResult(constrain) is { Implicit: false } && parsed.GetValue(constrain) && parsed.GetValue(remote.Endpoint) is { Length: > 0 })
                parsed.AddError("--constrain applies to a local --model only: vLLM/SGLang servers cannot apply Campfire's token mask (see docs/scaling-out.md)");
        });
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
                string text;
                try
                {
                    text = System.Text.Encoding.UTF8.GetString(CliInput.ReadAllBytes(scriptFile));
                }
                catch (CliInputException e)
                {
                    throw new CliInputException($"--script {e.Message}");
                }
                questions = [.. text.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => !string.IsNullOrWhiteSpace(line))];
                if (questions.Length == 0) throw new CliInputException($"--script: {scriptFile} has no non-empty line");
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
                // The text streams as it is generated; before the first token, a terminal shows the prompt being read.
                (generator, owner) = (TerminalProgressGenerator.WrapUntilFirstToken(local), model);
            }
            using (owner)
            using (var backend = result.GetValue(index) is { } indexDirectory ? LuceneSearchBackend.Open(indexDirectory) : SampleCorpus.BuildBackend())
            {
                var engine = EmergencyGuidance.CreateEngine(backend);
                var run = new EngineRunOptions { Generation = generation, StreamDeltas = true, Constrain = result.GetValue(constrain) };
                var jsonEvents = result.GetValue(json) ? new EngineEventConsole(Console.Out, json: true) : null;
                bool dim = !Console.IsErrorRedirected;
                bool finalStreamed = false;
                StopReason reason = StopReason.NoFinalAnswer;
                (string? Channel, string? Recipient)? lastDelta = null;
                foreach (var turn in questions)
                {
                    if (questions.Length > 1 && jsonEvents is null) Console.Error.WriteLine($"\n[user] {turn}");
                    finalStreamed = false;
                    await foreach (var e in EmergencyGuidance.AskAsync(engine, generator, turn, run, cancellationToken: cancellationToken))
                    {
                        if (jsonEvents is not null)
                        {
                            jsonEvents.Write(e);
                            if (e is RunCompleted done) reason = done.Reason;
                            continue;
                        }
                        switch (e)
                        {
                            case ContentDelta { Channel: "final", Recipient: null } delta:
                                Console.Out.Write(delta.Text);
                                finalStreamed = true;
                                break;
                            case ContentDelta delta:
                                // Analysis text and tool arguments each start on a line of their own.
                                if (lastDelta != (delta.Channel, delta.Recipient))
                                {
                                    Console.Error.Write($"\n[{delta.Channel ?? "text"}{(delta.Recipient is null ? "" : " → " + delta.Recipient)}] ");
                                    lastDelta = (delta.Channel, delta.Recipient);
                                }
                                Console.Error.Write(dim ? $"\u001b[2m{delta.Text}\u001b[0m" : delta.Text);
                                break;
                            case ToolCallStarted started:
                                lastDelta = null;
                                Console.Error.WriteLine($"\n[tool] {started.Call.Recipient} {started.Call.Args}");
                                break;
                            case ToolCallFinished finished:
                                Console.Error.WriteLine($"[tool] {finished.Call.Recipient} answered in {finished.Elapsed.TotalMilliseconds:F0} ms{(finished.Result.IsError ? " (error)" : "")}");
                                break;
                            case ParseDiagnostic diagnostic:
                                Console.Error.WriteLine($"\n[parse] {diagnostic.Description}");
                                break;
                            case FinalAnswer final:
                                Console.Out.WriteLine(finalStreamed ? "" : final.DisplayText);
                                Console.Out.WriteLine();
                                new EngineEventConsole(Console.Out, json: false).WriteCitations(final);
                                Console.Out.WriteLine();
                                Console.Out.WriteLine(EmergencyGuidance.SafetyNote);
                                break;
                            case RunCompleted completed:
                                reason = completed.Reason;
                                lastDelta = null;
                                Console.Error.WriteLine($"\n[run] {completed.Reason}: {completed.Usage.Rounds} round(s), {completed.Usage.CompletionTokens} tokens, {completed.Usage.TokensPerSecond:F1} tokens/s, first token {completed.Usage.TimeToFirstToken.TotalMilliseconds:F0} ms");
                                break;
                        }
                    }
                }
                options.Report(result, profiler);
                if (reason != StopReason.FinalAnswer)
                {
                    // In JSON mode standard output holds events only; a final answer's event carries the note.
                    if (jsonEvents is null) Console.Out.WriteLine(EmergencyGuidance.SafetyNote);
                    Console.Error.WriteLine($"campfire: chat: no final answer: {EngineEventConsole.Explain(reason)}");
                    return ExitCodes.BadInput;
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
