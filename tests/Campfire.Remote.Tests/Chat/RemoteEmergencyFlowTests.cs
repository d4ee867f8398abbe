using Campfire.Guidance;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Tokenization;
using Campfire.Harmony.Tools;
using Campfire.Remote.Tests.Remote;

namespace Campfire.Remote.Tests.Chat;

/// <summary>
/// The flow behind <c>campfire chat --endpoint URL</c>: the emergency-guidance engine (browser tool, instructions,
/// safety note) driven by a <see cref="RemoteTokenGenerator"/> instead of the local decode loop. The fake vLLM
/// replica plays the model: a search call, then a final answer.
/// </summary>
public sealed class RemoteEmergencyFlowTests
{
    private sealed class OneDocumentBackend : ISearchBackend
    {
        private static readonly BrowserDocument Choking = new("choking", "Choking (adult)", "sample://choking", "sample",
            "If the person cannot cough, speak or breathe, call the emergency number.\nGive up to 5 back blows.\nThen up to 5 abdominal thrusts.");

        public string Source => "sample first-aid corpus";

        public IReadOnlyList<SearchHit> Search(string query, int topN) => [new SearchHit(Choking, 1f, "Give up to 5 back blows.", 2)];

        public BrowserDocument? Fetch(string idOrUrl) => idOrUrl is "choking" or "sample://choking" ? Choking : null;
    }

    [Fact]
    public async Task Emergency_flow_runs_its_tool_loop_with_generation_on_the_server()
    {
        string[] script =
        [
            "<|channel|>analysis<|message|>Search the first-aid documents.<|end|><|start|>assistant<|channel|>analysis to=browser.search code<|message|>{\"query\":\"choking adult\",\"topn\":3}<|call|>",
            "<|channel|>final<|message|>Call the emergency number. Give up to 5 back blows, then up to 5 abdominal thrusts.<|return|>",
        ];
        var completions = script.Select(t => O200kHarmonyTokenizer.Instance.EncodeToIds(t, allowSpecialTokens: true)).ToArray();
        var turn = 0;
        var prompts = new List<string>();
        await using var server = new FakeInferenceServer(x =>
        {
            lock (prompts)
                prompts.Add(O200kHarmonyTokenizer.Instance.Decode(x.Request.IntArray("prompt")));
            return VllmWire.PlayAsync(x, completions[Interlocked.Increment(ref turn) - 1], perEvent: 4);
        });
        using var generator = RemoteGeneratorFactory.FromEndpoints([server.BaseUrl.ToString()], "openai/gpt-oss-20b");
        var engine = EmergencyGuidance.CreateEngine(new OneDocumentBackend(), new EmergencyGuidanceOptions { ConversationStartDate = "2026-11-25" });
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var events = new List<EngineEvent>();
        await foreach (var e in EmergencyGuidance.AskAsync(engine, generator, "Someone is choking, what should I do?",
                           new EngineRunOptions { Generation = new GenerationOptions { MaxTokens = 512 } }, cancellationToken: limit.Token))
            events.Add(e);

        var call = Assert.Single(events.OfType<ToolCallFinished>());
        Assert.Equal("browser.search", call.Call.Recipient);
        Assert.Contains("Choking (adult)", call.Result.Content);
        var final = Assert.Single(events.OfType<FinalAnswer>());
        Assert.StartsWith("Call the emergency number.", final.DisplayText);
        Assert.Contains(EmergencyGuidance.SafetyNote, final.DisplayText);
        Assert.Equal(StopReason.FinalAnswer, events.OfType<RunCompleted>().Single().Reason);
        Assert.Equal(2, server.RequestCount);
        Assert.Contains("Choking (adult)", prompts[1]);
        Assert.Contains("<|start|>user<|message|>Someone is choking, what should I do?<|end|>", prompts[0]);
    }
}
