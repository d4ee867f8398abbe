using System.Text.Json;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tests.Conformance;

/// <summary>One line of Conformance/generated/render.jsonl: a conversation and the reference's ids (or its refusal).</summary>
public sealed record GeneratedRenderCase(string Id, string ConversationJson, int[]? ForCompletion, int[]? ForCompletionNoDrop)
{
    public override string ToString() => Id;

    /// <summary>Our reading of the conversation; null when even our JSON reader refuses it.</summary>
    public Conversation Parse() => HarmonyJson.ParseConversation(ConversationJson);
}

public static class GeneratedRenderVectors
{
    public static IReadOnlyList<GeneratedRenderCase> All { get; } = Load();

    public static IEnumerable<object[]> Cases => All.Select(c => new object[] { c.Id });

    public static GeneratedRenderCase Get(string id) => All.Single(c => c.Id == id);

    private static List<GeneratedRenderCase> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Conformance", "generated", "render.jsonl");
        var cases = new List<GeneratedRenderCase>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            cases.Add(new GeneratedRenderCase(
                root.GetProperty("id").GetString()!,
                root.GetProperty("conversation").GetRawText(),
                Ids(root.GetProperty("for_completion")),
                Ids(root.GetProperty("for_completion_no_drop"))));
        }
        return cases;
    }

    /// <summary>The ids, or null for the reference's <c>{"error": true}</c>.</summary>
    private static int[]? Ids(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
}
