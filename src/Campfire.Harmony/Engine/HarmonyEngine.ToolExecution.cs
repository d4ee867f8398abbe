using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

// Executing one tool call: unknown tools, bad arguments and handler failures become error results the model reads.
public sealed partial class HarmonyEngine
{
    /// <summary>Executes one call with its registered handler. Never throws for tool failures: unknown tools, unknown
    /// methods, tools without a handler, arguments that are not a JSON object (for function tools with parameters) and
    /// exceptions thrown by the handler become results with <see cref="ToolResult.IsError"/> set, whose content the model
    /// can read (<c>{"error": "..."}</c> for function tools, plain text for built-in tools, as gpt-oss's reference tools
    /// answer). Does not change the conversation.</summary>
    /// <param name="call">The call; its <see cref="ToolCall.Recipient"/> selects the registered tool.</param>
    /// <param name="cancellationToken">Passed to the handler.</param>
    /// <returns>The result for <paramref name="call"/>'s call id; a handler's null answer becomes empty content.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="call"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the handler ran.</exception>
    public async Task<ToolResult> ExecuteToolCallAsync(ToolCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var tool = FindTool(call.Recipient);
        if (tool is null)
        {
            var known = _tools.Count == 0 ? "none" : string.Join(", ", _tools.Select(t => t.IsNamespace ? t.RecipientPrefix + ".*" : t.RecipientPrefix));
            return Error(call, false, $"Unknown tool `{call.Recipient}`. Available tools: {known}.");
        }
        if (tool.IsNamespace && !tool.Methods.Any(m => m.Name == call.Method))
            return Error(call, tool.IsBuiltIn, $"Unknown function: {call.Method}");
        if (tool.Handler is null)
            return Error(call, tool.IsBuiltIn, $"Tool `{call.Recipient}` is not available in this application.");
        if (!tool.IsBuiltIn && tool.Definition.Parameters is not null && !IsJsonObject(call.Args))
            return Error(call, false, $"Arguments for `{call.Recipient}` must be a JSON object matching its schema, got: {BrowserText.Truncate(call.Args, 200)}");
        try
        {
            var content = await tool.Handler.InvokeAsync(call, cancellationToken).ConfigureAwait(false);
            return new ToolResult(call.CallId, call.Recipient, content ?? "");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ToolUsageException e)
        {
            return Error(call, tool.IsBuiltIn, e.Message);
        }
        catch (Exception e)
        {
            return Error(call, tool.IsBuiltIn, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static readonly JsonSerializerOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Function tools get {"error": ...} JSON like gpt-oss's reference tools; built-in tools plain text, as its browser does.
    private static ToolResult Error(ToolCall call, bool plainText, string message) =>
        new(call.CallId, call.Recipient, plainText ? message : JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = message }, ErrorJson), IsError: true);

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
