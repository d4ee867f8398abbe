using Campfire.Harmony.Engine;
using Campfire.Harmony.Tokenization;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Tests.Engine;

/// <summary>A tiny search backend for tests: documents ranked by how many query words they contain.</summary>
internal sealed class InMemorySearchBackend(string source, params BrowserDocument[] documents) : ISearchBackend
{
    public string Source { get; } = source;
    public int SearchCalls { get; private set; }

    public IReadOnlyList<SearchHit> Search(string query, int topN)
    {
        SearchCalls++;
        var words = query.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return documents
            .Select(d => (Document: d, Score: words.Count(w => d.Text.Contains(w, StringComparison.OrdinalIgnoreCase))))
            .Where(x => x.Score > 0)
            .OrderByDescending(x => x.Score)
            .Take(topN)
            .Select(x =>
            {
                var lines = x.Document.Text.Split('\n');
                var line = Array.FindIndex(lines, l => words.Any(w => l.Contains(w, StringComparison.OrdinalIgnoreCase)));
                return new SearchHit(x.Document, x.Score, lines[line], line);
            })
            .ToArray();
    }

    public BrowserDocument? Fetch(string idOrUrl) => documents.FirstOrDefault(d => d.Id == idOrUrl || d.Url == idOrUrl);

    public static InMemorySearchBackend FirstAid() => new("test-docs",
        new BrowserDocument("burns", "Burns", "docs/burns.md", "burns.md",
            "# Burns\n\nCool the burn under running water for 20 minutes.\nDo not use ice.\nCover with cling film."),
        new BrowserDocument("cpr", "CPR", "docs/cpr.md", "cpr.md",
            "# CPR\n\nPush hard and fast in the centre of the chest.\n100 to 120 compressions a minute.\nUse an AED when it arrives."),
        new BrowserDocument("long", "Long page", "docs/long.md", "long.md",
            string.Join('\n', Enumerable.Range(0, 300).Select(i => $"line {i} of a long page about bandages"))));
}

internal static class EngineTestKit
{
    public static string Decode(IEnumerable<int> ids) => O200kHarmonyTokenizer.Instance.Decode(ids.ToArray());

    public static int[] Encode(string harmonyText) => O200kHarmonyTokenizer.Instance.EncodeToIds(harmonyText, allowSpecialTokens: true);

    public static async Task<List<EngineEvent>> Collect(IAsyncEnumerable<EngineEvent> events)
    {
        var list = new List<EngineEvent>();
        await foreach (var e in events) list.Add(e);
        return list;
    }

    public const string OsloFinalAnswer = "<|channel|>final<|message|>It is -3 °C in Oslo.<|return|>";

    /// <summary>An engine with get_weather (<see cref="WeatherSchema"/>) and get_time (no schema), both recording their
    /// calls into <paramref name="calls"/>, and the user's "Weather in Oslo?".</summary>
    public static HarmonyEngine WeatherAndTimeEngine(List<Campfire.Harmony.Model.ToolCall> calls)
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(ToolConfig.Function("get_weather", "Current weather.", WeatherSchema,
            (call, _) => { calls.Add(call); return ValueTask.FromResult("""{"temp_c": -3}"""); }));
        engine.RegisterTool(ToolConfig.Function("get_time", "Current time.", null,
            (call, _) => { calls.Add(call); return ValueTask.FromResult("12:00"); }));
        engine.AddMessage(engine.CreateUserMessage("Weather in Oslo?"));
        return engine;
    }

    public const string WeatherSchema = """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""";

    public static string ReadConformance(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Conformance", "harmony", name)).Replace("\r\n", "\n").TrimEnd();
}
