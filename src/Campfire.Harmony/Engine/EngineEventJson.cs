using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

/// <summary>Writes <see cref="EngineEvent"/>s as one JSON object each (for <c>--json</c> output and logs):
/// <c>{"type":"tool_call_finished","round":1,...}</c>. Property names are snake_case; times are in milliseconds.</summary>
public static class EngineEventJson
{
    /// <summary>Writes <paramref name="engineEvent"/> as one JSON object: <c>type</c> (e.g. <c>content_delta</c>,
    /// <c>final_answer</c>; the class name for event types this writer does not know), <c>round</c>, then the
    /// event's fields.</summary>
    /// <param name="writer">Receives the object; it must be at a position where a value may start.</param>
    /// <param name="engineEvent">The event.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> or <paramref name="engineEvent"/> is null.</exception>
    public static void Write(Utf8JsonWriter writer, EngineEvent engineEvent)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(engineEvent);
        writer.WriteStartObject();
        switch (engineEvent)
        {
            case ContentDelta delta:
                Header(writer, "content_delta", delta.Round);
                writer.WriteString("channel", delta.Channel);
                writer.WriteString("recipient", delta.Recipient);
                writer.WriteString("text", delta.Text);
                break;
            case MessageCompleted completed:
                Header(writer, "message", completed.Round);
                WriteMessage(writer, completed.Message);
                break;
            case ParseDiagnostic diagnostic:
                Header(writer, "parse_diagnostic", diagnostic.Round);
                writer.WriteString("description", diagnostic.Description);
                break;
            case ToolCallStarted started:
                Header(writer, "tool_call_started", started.Round);
                WriteCall(writer, started.Call);
                break;
            case ToolCallFinished finished:
                Header(writer, "tool_call_finished", finished.Round);
                WriteCall(writer, finished.Call);
                writer.WriteBoolean("is_error", finished.Result.IsError);
                writer.WriteString("result", finished.Result.Content);
                writer.WriteNumber("elapsed_ms", finished.Elapsed.TotalMilliseconds);
                break;
            case CitationProblem problem:
                Header(writer, "citation_problem", problem.Round);
                WriteCitation(writer, problem.Citation);
                break;
            case FinalAnswer final:
                Header(writer, "final_answer", final.Round);
                writer.WriteString("text", final.Message.Content);
                writer.WriteString("display_text", final.DisplayText);
                writer.WriteStartArray("citations");
                foreach (var citation in final.Citations)
                {
                    writer.WriteStartObject();
                    WriteCitation(writer, citation);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                break;
            case UsageReport usage:
                Header(writer, "usage", usage.Round);
                WriteUsage(writer, usage.Usage);
                break;
            case RunCompleted completed:
                Header(writer, "run_completed", completed.Round);
                writer.WriteString("stop_reason", completed.Reason.ToString());
                WriteUsage(writer, completed.Usage);
                break;
            default:
                Header(writer, engineEvent.GetType().Name, engineEvent.Round);
                break;
        }
        writer.WriteEndObject();
    }

    /// <summary>One event as a compact JSON line (no trailing newline); non-ASCII text such as citation brackets is
    /// written as is, not escaped, so logs stay readable.</summary>
    /// <param name="engineEvent">The event.</param>
    /// <exception cref="ArgumentNullException"><paramref name="engineEvent"/> is null.</exception>
    public static string ToJson(EngineEvent engineEvent)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Write(writer, engineEvent);
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Header(Utf8JsonWriter writer, string type, int round)
    {
        writer.WriteString("type", type);
        writer.WriteNumber("round", round);
    }

    private static void WriteMessage(Utf8JsonWriter writer, HarmonyMessage message)
    {
        writer.WriteString("role", message.Role.ToString().ToLowerInvariant());
        if (message.Name is not null) writer.WriteString("name", message.Name);
        if (message.Channel is not null) writer.WriteString("channel", message.Channel);
        writer.WriteString("content", message.Content);
        if (!message.ToolCalls.IsDefaultOrEmpty)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in message.ToolCalls)
            {
                writer.WriteStartObject();
                WriteCall(writer, call);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
    }

    private static void WriteCall(Utf8JsonWriter writer, ToolCall call)
    {
        writer.WriteString("call_id", call.CallId);
        writer.WriteString("recipient", call.Recipient);
        writer.WriteString("method", call.Method);
        if (call.Channel is not null) writer.WriteString("channel", call.Channel);
        writer.WriteString("args", call.Args);
    }

    private static void WriteCitation(Utf8JsonWriter writer, ResolvedCitation citation)
    {
        writer.WriteString("citation", citation.Citation.Text);
        writer.WriteNumber("cursor", citation.Citation.Cursor);
        writer.WriteNumber("start_line", citation.Citation.StartLine);
        writer.WriteNumber("end_line", citation.Citation.EndLine);
        writer.WriteString("status", citation.Status.ToString());
        writer.WriteString("document_id", citation.DocumentId);
        writer.WriteString("title", citation.Title);
        writer.WriteString("url", citation.Url);
        writer.WriteString("cited_text", citation.CitedText);
        writer.WriteString("problem", citation.Problem);
    }

    private static void WriteUsage(Utf8JsonWriter writer, EngineUsage usage)
    {
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("rounds", usage.Rounds);
        writer.WriteNumber("tool_calls", usage.ToolCalls);
        writer.WriteNumber("time_to_first_token_ms", usage.TimeToFirstToken.TotalMilliseconds);
        writer.WriteNumber("generation_ms", usage.GenerationTime.TotalMilliseconds);
        writer.WriteNumber("tool_ms", usage.ToolTime.TotalMilliseconds);
        writer.WriteNumber("total_ms", usage.TotalTime.TotalMilliseconds);
        writer.WriteNumber("tokens_per_second", Math.Round(usage.TokensPerSecond, 1));
    }
}
