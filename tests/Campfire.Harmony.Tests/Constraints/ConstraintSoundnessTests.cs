using System.Numerics;
using System.Text.Json;
using Campfire.Benchmarks.Data;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using Xunit.Abstractions;
using static Campfire.Harmony.Tests.Constraints.ConstraintTestKit;

namespace Campfire.Harmony.Tests.Constraints;

/// <summary>
/// Nothing invalid gets through: random sampling among the allowed ids (seeded; biased towards special tokens and
/// JSON punctuation so that runs end within the cap) gives sequences that parse strictly, whose calls go to
/// registered tools with arguments that validate against the tool's schema, and the mask is never empty before the
/// sequence is complete (no dead ends).
/// </summary>
public sealed class ConstraintSoundnessTests(ITestOutputHelper output)
{

    private static readonly int[] Punctuation = BuildPunctuation();

    public static IEnumerable<object[]> Grammars =>
    [
        ["weather+browser", 1500, 200],
        ["incident-report", 1000, 600],
        ["python, channels optional", 500, 200],
    ];

    private static Conversation ConversationOf(string name) => name switch
    {
        "weather+browser" => ConstraintCorpus.WeatherConversation(),
        "incident-report" => ConstraintCorpus.ReportConversation(),
        _ => Conversation.FromMessages(
            Message.System(SystemContent.Default.WithPythonTool().WithChannelConfig(null)),
            Message.Developer(DeveloperContent.Empty.WithTools(Functions(
                ("any_args", """{"type":"object"}"""),
                ("free", """{"type":"object","additionalProperties":{"type":["integer","boolean","null"]}}"""),
                ("list", """{"type":"object","properties":{"xs":{"type":"array","items":{"type":"array","items":{"type":"number"}}},"tag":{"const":"v1"}},"required":["xs","tag"]}""")))),
            Message.User("go")),
    };

    [Theory]
    [MemberData(nameof(Grammars))]
    public void EverySequenceSampledUnderTheMaskParsesStrictlyWithSchemaValidArguments(string name, int runs, int maxTokens)
    {
        var conversation = ConversationOf(name);
        var grammar = HarmonyTokenGrammar.ForConversation(conversation);
        var schemas = grammar.Options.ToolNamespaces
            .SelectMany(ns => ns.Tools.Select(t => (Recipient: ns.Name + "." + t.Name, t.Parameters)))
            .ToDictionary(t => t.Recipient, t => t.Parameters);
        var random = new Random(20261202 ^ name.Length);
        var mask = new ulong[TokenMask.WordCount(grammar.VocabularySize)];
        var ids = new List<int>(maxTokens);
        int completed = 0, calls = 0;
        for (int run = 0; run < runs; run++)
        {
            var constraint = grammar.Start();
            ids.Clear();
            while (!constraint.IsComplete && ids.Count < maxTokens)
            {
                constraint.WriteAllowedTokens(mask);
                int id = Sample(mask, random);
                Assert.True(id >= 0, $"run {run}: empty mask before the sequence is complete, after {Tokenizer.Decode([.. ids])}");
                Assert.True(constraint.TryAccept(id), $"run {run}: the mask allowed {id} but TryAccept refused it");
                ids.Add(id);
            }
            if (!constraint.IsComplete)
                continue;
            completed++;
            string text = Tokenizer.Decode([.. ids]);
            var parsed = HarmonyCompletionParser.Parse([.. ids], Role.Assistant, ParseMode.Strict);
            Assert.Empty(parsed.Diagnostics);
            foreach (var message in parsed.Messages)
            {
                Assert.Equal(Role.Assistant, message.Author.Role);
                if (message.Recipient is not { } recipient)
                    continue;
                calls++;
                if (!schemas.TryGetValue(recipient, out var schema))
                {
                    Assert.Contains(grammar.Options.ToolNamespaces, ns => ns.Name == recipient && ns.Tools.IsEmpty);
                    continue;
                }
                string args = ((TextContent)message.Content[0]).Text;
                using var document = JsonDocument.Parse(args);
                Assert.True(SchemaValidator.IsValid(document.RootElement, schema ?? JsonDocument.Parse("""{"type":"object"}""").RootElement, closed: true),
                    $"run {run}: arguments of {recipient} do not match its schema: {JsonSerializer.Serialize(args)}");
            }
        }
        output.WriteLine($"{name}: {runs} runs, {completed} completed within {maxTokens} tokens, {calls} tool calls validated");
        Assert.True(completed >= runs / 2, $"only {completed} of {runs} runs completed");
        Assert.True(calls >= runs / 10, $"only {calls} tool calls in {runs} runs");
    }

    /// <summary>One allowed id: a special token half the time one is allowed, JSON punctuation a third of the time,
    /// otherwise any allowed id uniformly.</summary>
    private static int Sample(ulong[] mask, Random random)
    {
        int total = TokenMask.CountAllowed(mask);
        if (total == 0)
            return -1;
        if (random.Next(2) == 0)
        {
            int special = PickAmong(mask, random, HarmonyTokens.FirstSpecial >> 6);
            if (special >= HarmonyTokens.FirstSpecial)
                return special;
        }
        if (random.Next(3) == 0)
        {
            for (int tries = 0; tries < 64; tries++)
            {
                int id = Punctuation[random.Next(Punctuation.Length)];
                if (TokenMask.IsAllowed(mask, id))
                    return id;
            }
        }
        return PickAmong(mask, random, 0);
    }

    /// <summary>A uniformly chosen allowed id among the words from <paramref name="firstWord"/> on (-1 when none).</summary>
    private static int PickAmong(ulong[] mask, Random random, int firstWord)
    {
        int count = 0;
        for (int w = firstWord; w < mask.Length; w++) count += BitOperations.PopCount(mask[w]);
        if (count == 0)
            return -1;
        int k = random.Next(count);
        for (int w = firstWord; w < mask.Length; w++)
        {
            int c = BitOperations.PopCount(mask[w]);
            if (k >= c) { k -= c; continue; }
            ulong word = mask[w];
            for (; k > 0; k--) word &= word - 1;
            return (w << 6) + BitOperations.TrailingZeroCount(word);
        }
        return -1;
    }

    private static int[] BuildPunctuation()
    {
        var list = new List<int>();
        for (int id = 0; id < HarmonyTokens.FirstSpecial; id++)
        {
            var bytes = Tokenizer.GetTokenBytes(id);
            if (bytes.Length is > 0 and <= 3 && bytes.IndexOfAny("\"{}[],:"u8) >= 0 && bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) < 0)
                list.Add(id);
        }
        return [.. list];
    }
}
