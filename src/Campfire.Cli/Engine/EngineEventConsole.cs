using System.Text;
using Campfire.Harmony.Engine;

namespace Campfire.Cli.Engine;

/// <summary>
/// Prints <see cref="EngineEvent"/>s for people (each step with role/channel/recipient, tool results shortened, the
/// final answer, resolved citations, token counts and timings) or as JSON lines. Shared by <c>campfire demo</c> and
/// the chat commands so every front end shows a run the same way.
/// </summary>
public sealed class EngineEventConsole(TextWriter output, bool json, bool streamText = false)
{
    /// <summary>Tool results longer than this many lines are shortened in human output.</summary>
    public int MaxToolResultLines { get; init; } = 12;

    /// <summary>Lines wider than this are cut in tool results.</summary>
    public int MaxLineWidth { get; init; } = 100;

    public StopReason? StopReason { get; private set; }
    public int CitationProblems { get; private set; }

    private (int Round, string? Channel, string? Recipient)? _streaming;

    public void Write(EngineEvent engineEvent)
    {
        ArgumentNullException.ThrowIfNull(engineEvent);
        if (engineEvent is RunCompleted done) StopReason = done.Reason;
        if (engineEvent is CitationProblem) CitationProblems++;
        if (json)
        {
            output.WriteLine(EngineEventJson.ToJson(engineEvent));
            return;
        }
        switch (engineEvent)
        {
            case ContentDelta delta when streamText:
                if (_streaming != (delta.Round, delta.Channel, delta.Recipient))
                {
                    EndStream();
                    output.WriteLine(StepHeader(delta.Round, "assistant", delta.Channel, delta.Recipient));
                    output.Write("  ");
                    _streaming = (delta.Round, delta.Channel, delta.Recipient);
                }
                output.Write(delta.Text.Replace("\n", "\n  ", StringComparison.Ordinal));
                break;
            case MessageCompleted completed:
                EndStream();
                if (streamText && completed.Message.Role == HarmonyRole.Assistant) break;
                if (completed.Message is { Role: HarmonyRole.Assistant, HasToolCalls: false, Channel: "final" or null }) break; // shown as the final answer
                PrintMessage(completed.Round, completed.Message);
                break;
            case ParseDiagnostic diagnostic:
                EndStream();
                output.WriteLine($"  ! round {diagnostic.Round}: malformed output repaired: {diagnostic.Description}");
                break;
            case ToolCallStarted:
                EndStream();
                break;
            case ToolCallFinished finished:
                output.WriteLine($"── round {finished.Round} · tool {finished.Call.Recipient}{(finished.Result.IsError ? " · ERROR" : "")} · {Ms(finished.Elapsed)}");
                WriteIndented(Shorten(finished.Result.Content));
                break;
            case CitationProblem:
                break; // listed with the final answer's citations
            case FinalAnswer final:
                EndStream();
                // Streamed text was already printed as it came: the answer is printed once.
                if (!streamText)
                {
                    output.WriteLine();
                    output.WriteLine("══ Final answer");
                    WriteIndented(final.DisplayText);
                }
                else if (final.DisplayText.StartsWith(final.Message.Content, StringComparison.Ordinal)
                         && final.DisplayText[final.Message.Content.Length..].Trim('\n') is { Length: > 0 } note)
                {
                    // What the display adds to the streamed answer (the safety note), printed once.
                    output.WriteLine();
                    WriteIndented(note);
                }
                output.WriteLine();
                WriteCitations(final);
                break;
            case UsageReport usage:
                EndStream();
                output.WriteLine($"   (round {usage.Round}: {usage.Usage.PromptTokens} prompt + {usage.Usage.CompletionTokens} completion tokens, " +
                                 $"first token {Ms(usage.Usage.TimeToFirstToken)}, generation {Ms(usage.Usage.GenerationTime)}, tools {Ms(usage.Usage.ToolTime)})");
                break;
            case RunCompleted completed:
                EndStream();
                var u = completed.Usage;
                output.WriteLine();
                output.WriteLine($"══ Usage: {u.Rounds} model turns, {u.ToolCalls} tool calls, stopped: {completed.Reason}");
                output.WriteLine($"  tokens: {u.PromptTokens} prompt (summed over turns), {u.CompletionTokens} completion, {u.TotalTokens} total");
                output.WriteLine($"  time: first token {Ms(u.TimeToFirstToken)}, generation {Ms(u.GenerationTime)} ({u.TokensPerSecond:F0} tokens/s), " +
                                 $"tools {Ms(u.ToolTime)}, total {Ms(u.TotalTime)}");
                break;
        }
    }

    /// <summary>The final answer's citations: each valid one with the text it cites, each problem with its reason.</summary>
    public void WriteCitations(FinalAnswer final)
    {
        ArgumentNullException.ThrowIfNull(final);
        output.WriteLine(final.Citations.IsEmpty ? "══ Citations: none" : "══ Citations");
        foreach (var citation in final.Citations)
        {
            if (citation.IsValid)
            {
                output.WriteLine($"  ✓ {citation.Citation.Text} {citation.Title} ({citation.Url}), lines {citation.Citation.StartLine}-{citation.Citation.EndLine}:");
                WriteIndented(Shorten(citation.CitedText ?? ""), "      ");
            }
            else
            {
                output.WriteLine($"  ✗ {citation.Citation.Text} {citation.Status}: {citation.Problem}");
            }
        }
    }

    /// <summary>Why a run ended without a final answer, in words (for the one stderr line of a failed run).</summary>
    public static string Explain(StopReason reason) => reason switch
    {
        Campfire.Harmony.Engine.StopReason.MaxTokens => "the model reached --max-tokens before writing a final answer (raise --max-tokens)",
        Campfire.Harmony.Engine.StopReason.ToolRoundLimit => "the model kept calling tools past the tool-round limit",
        Campfire.Harmony.Engine.StopReason.NoFinalAnswer => "the model stopped without a final answer or a tool call",
        _ => reason.ToString(),
    };

    public static string StepHeader(int round, string author, string? channel, string? recipient)
    {
        var header = new StringBuilder($"── round {round} · {author}");
        if (recipient is not null) header.Append(" → ").Append(recipient);
        if (channel is not null) header.Append(" · ").Append(channel);
        return header.ToString();
    }

    private void PrintMessage(int round, HarmonyMessage message)
    {
        if (message.HasToolCalls)
        {
            if (message.Content.Length > 0)
            {
                output.WriteLine(StepHeader(round, "assistant", message.Channel ?? "commentary", null));
                WriteIndented(message.Content);
            }
            foreach (var call in message.ToolCalls)
            {
                output.WriteLine(StepHeader(round, "assistant", call.Channel, call.Recipient));
                WriteIndented(call.Args);
            }
            return;
        }
        output.WriteLine(StepHeader(round, message.Role == HarmonyRole.Tool ? $"tool {message.Name}" : message.Role.ToString().ToLowerInvariant(), message.Channel, null));
        WriteIndented(message.Role == HarmonyRole.Assistant && message.Channel is "final" ? message.Content : Shorten(message.Content));
    }

    private void EndStream()
    {
        if (_streaming is null) return;
        output.WriteLine();
        _streaming = null;
    }

    private string Shorten(string text)
    {
        var lines = text.Split('\n');
        var shown = lines.Take(MaxToolResultLines).Select(l => l.Length > MaxLineWidth ? l[..(MaxLineWidth - 1)] + "…" : l);
        var result = string.Join('\n', shown);
        return lines.Length > MaxToolResultLines ? $"{result}\n… ({lines.Length - MaxToolResultLines} more lines)" : result;
    }

    private void WriteIndented(string text, string indent = "  ")
    {
        foreach (var line in text.Split('\n')) output.WriteLine(indent + line);
    }

    private static string Ms(TimeSpan time) => time.TotalMilliseconds < 10 ? $"{time.TotalMilliseconds:F2} ms" : $"{time.TotalMilliseconds:F0} ms";
}
