using Campfire.Decoding;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;
using Campfire.Inference.Runtime;
using Campfire.Inference.Tests.Pipeline;

namespace Campfire.Inference.Tests.Constraints;

/// <summary>Adds a fixed bias to some ids' logits: a stand-in for a model that likes to end its messages.</summary>
internal sealed class BiasedModel(IDecodeModel inner, IReadOnlyDictionary<int, float> bias) : IDecodeModel
{
    public int VocabularySize => inner.VocabularySize;
    public int LastReusedTokens => inner.LastReusedTokens;

    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits)
    {
        inner.Prefill(prompt, logits);
        Bias(logits);
    }

    public void Decode(int token, Span<float> logits)
    {
        inner.Decode(token, logits);
        Bias(logits);
    }

    private void Bias(Span<float> logits)
    {
        foreach (var (id, value) in bias) logits[id] += value;
    }
}

/// <summary>
/// The issue's acceptance test: a random tiny checkpoint (real 201,088-token vocabulary) sampled at temperature 1
/// under the grammar of a conversation with the browser and a function tool writes only well-formed Harmony, judged by
/// the strict streaming parser and an independent schema check; without the constraint the same model and seeds write
/// nothing well-formed.
/// </summary>
public sealed class ConstrainedSamplingTests(RealVocabularyTinyModel tiny, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<RealVocabularyTinyModel>
{
    private const int Seeds = 24;

    private const string WeatherSchema =
        """{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},"required":["city"],"additionalProperties":false}""";

    private static readonly Conversation Conversation = Conversation.FromMessages(
        Message.System(SystemContent.Default.WithBrowserTool()),
        Message.Developer(DeveloperContent.Empty.WithTools(new ToolNamespaceConfig("functions", null,
            [new ToolDescription("get_weather", "Current weather for a city.", WeatherSchema)]))),
        Message.User("What is the weather in Oslo?"));

    private static readonly int[] Prompt = new HarmonyRenderer(O200kHarmonyTokenizer.Instance).RenderConversationForCompletion(Conversation, Role.Assistant);
    private static readonly int[] Stops = [HarmonyTokens.Return, HarmonyTokens.Call];

    private sealed record Verdict(int[] Ids, bool Complete, int Headers, string? Problem, int ToolCalls)
    {
        public bool WellFormedSoFar => Problem is null && Headers > 0;
    }

    /// <summary>Strict streaming parse of the generated ids (a prefix may stop anywhere); for a complete turn also the
    /// batch parse, and every tool call checked against the registered tools' schemas.</summary>
    private static Verdict Judge(int[] ids)
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict, Role.Assistant);
        int headers = 0;
        try
        {
            foreach (int id in ids)
            {
                for (var kind = parser.Read(id); kind != HarmonyParserEventKind.None; kind = parser.Read())
                    if (kind == HarmonyParserEventKind.HeaderComplete) headers++;
            }
        }
        catch (HarmonyParseException e)
        {
            return new Verdict(ids, false, headers, "parse error: " + e.Message, 0);
        }
        bool complete = ids.Length > 0 && Stops.Contains(ids[^1]);
        if (!complete) return new Verdict(ids, false, headers, null, 0);

        var result = HarmonyCompletionParser.Parse(ids, Role.Assistant, ParseMode.Strict);
        if (!result.Diagnostics.IsEmpty) return new Verdict(ids, true, headers, "diagnostics: " + result.Diagnostics[0].Description, 0);
        var tools = HarmonyGrammarOptions.FromConversation(Conversation).ToolNamespaces
            .SelectMany(ns => ns.Tools.Select(t => (Recipient: ns.Name + "." + t.Name, t.Parameters)))
            .ToDictionary(t => t.Recipient, t => t.Parameters);
        foreach (var call in result.ToolCalls)
        {
            if (!tools.TryGetValue(call.Recipient, out var schema))
                return new Verdict(ids, true, headers, $"call to unregistered recipient '{call.Recipient}'", result.ToolCalls.Length);
            if (schema is { } s && SchemaCheck.Problem(call.Args, s) is { } problem)
                return new Verdict(ids, true, headers, $"{call.Recipient} arguments {call.Args}: {problem}", result.ToolCalls.Length);
        }
        return new Verdict(ids, true, headers, null, result.ToolCalls.Length);
    }

    private static async Task<Verdict> Run(IDecodeModel model, int seed, int maxTokens, bool constrained, float temperature = 1f)
    {
        var generator = new DecodeLoopGenerator(model);
        var request = new TokenGenerationRequest(Prompt, Stops, new GenerationOptions { MaxTokens = maxTokens, Temperature = temperature, Seed = seed },
            Constraint: constrained ? HarmonyTokenGrammar.ForConversation(Conversation).Start() : null);
        var ids = new List<int>();
        await foreach (int id in generator.GenerateAsync(request)) ids.Add(id);
        return Judge([.. ids]);
    }

    private string Show(Verdict v) =>
        $"{(v.Complete ? "complete" : "prefix")}, {v.Headers} header(s), {v.ToolCalls} call(s){(v.Problem is null ? "" : ", " + v.Problem)}: "
        + O200kHarmonyTokenizer.Instance.Decode(v.Ids).Replace("\n", "\\n", StringComparison.Ordinal);

    [Fact]
    public async Task Under_the_constraint_every_seed_writes_well_formed_harmony_and_without_it_none_does()
    {
        using var model = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
        var constrained = new List<Verdict>();
        var free = new List<Verdict>();
        for (int seed = 0; seed < Seeds; seed++)
        {
            constrained.Add(await Run(model, seed, 32, constrained: true));
            free.Add(await Run(model, seed, 32, constrained: false));
        }
        foreach (var v in constrained.Take(4)) output.WriteLine("constrained: " + Show(v));
        foreach (var v in free.Take(4)) output.WriteLine("free: " + Show(v));

        Assert.All(constrained, v => Assert.True(v.WellFormedSoFar, Show(v)));
        Assert.All(free, v => Assert.False(v.WellFormedSoFar, Show(v)));
    }

    [Fact]
    public async Task With_a_bias_towards_terminators_constrained_runs_complete_as_strictly_valid_turns_with_schema_valid_calls()
    {
        var tokenizer = O200kHarmonyTokenizer.Instance;
        var bias = new Dictionary<int, float>
        {
            [HarmonyTokens.Return] = 12, [HarmonyTokens.Call] = 12, [HarmonyTokens.End] = 6,
        };
        foreach (string closer in new[] { "\"", "}", "\"}", " to" })
            foreach (int id in tokenizer.EncodeToIds(closer)) bias[id] = 9;
        using var inner = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
        var model = new BiasedModel(inner, bias);
        var runs = new List<Verdict>();
        for (int seed = 0; seed < Seeds; seed++) runs.Add(await Run(model, 1000 + seed, 48, constrained: true));
        foreach (var v in runs.Where(v => v.Complete).Take(6)) output.WriteLine(Show(v));
        output.WriteLine($"{runs.Count(v => v.Complete)} of {runs.Count} complete, {runs.Sum(v => v.ToolCalls)} tool call(s)");

        Assert.All(runs, v => Assert.True(v.Problem is null, Show(v)));
        // A random model reaches a terminator only now and then, even biased (3 of 24 seeds here, calls included):
        // what counts is that those that do are strictly valid turns with schema-valid arguments.
        Assert.True(runs.Count(v => v.Complete) >= 2, $"only {runs.Count(v => v.Complete)} of {Seeds} runs completed");
        Assert.True(runs.Where(v => v.Complete).Sum(v => v.ToolCalls) >= 1, "no completed run made a tool call");
    }

    [Fact]
    public async Task Constrained_greedy_decoding_picks_on_the_device_and_stays_well_formed()
    {
        using var model = GptOssDecodeModel.Load(tiny.Folder, InferenceDevice.Cpu);
        var verdict = await Run(model, 0, 32, constrained: true, temperature: 0);
        output.WriteLine(Show(verdict));
        Assert.True(verdict.WellFormedSoFar, Show(verdict));
    }
}
