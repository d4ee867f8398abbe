using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tests.Engine;

public sealed class HistoryTrimmerTests
{
    private static HarmonyMessage User(int i) => new(HarmonyRole.User, $"u{i}");
    private static HarmonyMessage Answer(int i) => new(HarmonyRole.Assistant, $"a{i}") { Channel = "final" };
    private static HarmonyMessage Call(params string[] ids) =>
        new(HarmonyRole.Assistant, "") { ToolCalls = [.. ids.Select(id => ToolCall.FromRecipient("functions.f", "{}", id))] };
    private static HarmonyMessage Result(string id) => new(HarmonyRole.Tool, $"r{id}") { Name = "functions.f", CallId = id };
    private static readonly HarmonyMessage System = new(HarmonyRole.System, "sys");
    private static readonly HarmonyMessage Developer = new(HarmonyRole.Developer, "dev");

    [Fact]
    public void Long_conversation_keeps_the_newest_messages_and_the_instructions()
    {
        var messages = new List<HarmonyMessage> { System, Developer };
        for (var i = 0; i < 50; i++) messages.AddRange([User(i), Answer(i)]);
        var trimmed = HistoryTrimmer.Trim(messages, 10);
        Assert.Equal(12, trimmed.Count);
        Assert.Same(System, trimmed[0]);
        Assert.Same(Developer, trimmed[1]);
        Assert.Equal("u45", trimmed[2].Content);
        Assert.Equal("a49", trimmed[^1].Content);
    }

    [Fact]
    public void A_call_is_never_separated_from_its_results()
    {
        // u0 a0 u1 [call x,y] rx ry a1: a budget of 4 would cut between the call and its results.
        List<HarmonyMessage> messages = [System, User(0), Answer(0), User(1), Call("x", "y"), Result("x"), Result("y"), Answer(1)];
        var trimmed = HistoryTrimmer.Trim(messages, 3);
        Assert.Equal(["sys", "a1"], trimmed.Select(m => m.Content));
        trimmed = HistoryTrimmer.Trim(messages, 4);
        Assert.Equal(["sys", "", "rx", "ry", "a1"], trimmed.Select(m => m.Content));
    }

    [Fact]
    public void The_newest_unit_is_kept_whole_even_when_larger_than_the_budget()
    {
        List<HarmonyMessage> messages = [User(0), Call("1", "2", "3"), Result("1"), Result("2"), Result("3")];
        var trimmed = HistoryTrimmer.Trim(messages, 2);
        Assert.Equal(4, trimmed.Count);
        Assert.True(trimmed[0].HasToolCalls);
    }

    [Fact]
    public void Kept_history_never_starts_with_an_orphan_tool_result()
    {
        // A result whose call was lost earlier (e.g. by an application) sits at the cut.
        List<HarmonyMessage> messages = [System, User(0), Answer(0), Result("lost"), User(1), Answer(1)];
        var trimmed = HistoryTrimmer.Trim(messages, 3);
        Assert.Equal(["sys", "u1", "a1"], trimmed.Select(m => m.Content));
        Assert.DoesNotContain(trimmed, m => m.Role == HarmonyRole.Tool);
    }

    [Fact]
    public void Instructions_in_the_middle_are_kept_and_do_not_count()
    {
        List<HarmonyMessage> messages = [User(0), Answer(0), Developer, User(1), Answer(1)];
        Assert.Equal(["dev", "u1", "a1"], HistoryTrimmer.Trim(messages, 2).Select(m => m.Content));
    }

    [Fact]
    public void Results_without_ids_pair_with_the_calls_in_order()
    {
        var call = new HarmonyMessage(HarmonyRole.Assistant, "") { ToolCalls = [ToolCall.FromRecipient("functions.f", "{}", "c1")] };
        var result = new HarmonyMessage(HarmonyRole.Tool, "r") { Name = "functions.f" };
        List<HarmonyMessage> messages = [User(0), call, result, Answer(1)];
        Assert.Equal(["", "r", "a1"], HistoryTrimmer.Trim(messages, 3).Select(m => m.Content));
    }

    [Fact]
    public void Budget_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HistoryTrimmer.Trim([User(0)], 0));

    [Fact]
    public void Random_conversations_keep_every_invariant()
    {
        var random = new Random(20261125);
        for (var trial = 0; trial < 500; trial++)
        {
            var messages = new List<HarmonyMessage> { System };
            var next = 0;
            var length = random.Next(1, 40);
            while (messages.Count < length)
            {
                switch (random.Next(6))
                {
                    case 0: messages.Add(User(next++)); break;
                    case 1: messages.Add(Answer(next++)); break;
                    case 2: messages.Add(new HarmonyMessage(HarmonyRole.Developer, "dev")); break;
                    case 3: messages.Add(Result("orphan" + next++)); break;
                    default:
                        var ids = Enumerable.Range(0, random.Next(1, 4)).Select(_ => "c" + next++).ToArray();
                        messages.Add(Call(ids));
                        messages.AddRange(ids.Select(Result));
                        break;
                }
            }
            var budget = random.Next(1, 12);
            var trimmed = HistoryTrimmer.Trim(messages, budget);

            Assert.Equal(messages.Count(HistoryTrimmer.IsPinned), trimmed.Count(HistoryTrimmer.IsPinned));
            var kept = trimmed.Where(m => !HistoryTrimmer.IsPinned(m)).ToList();
            if (kept.Count > 0) Assert.NotEqual(HarmonyRole.Tool, kept[0].Role);
            var keptIds = kept.Where(m => m.Role == HarmonyRole.Tool).Select(m => m.CallId).ToHashSet();
            foreach (var call in kept.Where(m => m.HasToolCalls))
                Assert.All(call.ToolCalls, c => Assert.Contains(c.CallId, keptIds));
            var keptCalls = kept.SelectMany(m => m.ToolCalls).Select(c => (string?)c.CallId).ToHashSet();
            foreach (var result in kept.Where(m => m.Role == HarmonyRole.Tool && !m.CallId!.StartsWith("orphan", StringComparison.Ordinal)))
                Assert.Contains(result.CallId, keptCalls);
            // Order is preserved, and the newest message survives unless it is an orphan result.
            var last = messages[^1];
            if (!(last.Role == HarmonyRole.Tool && last.CallId!.StartsWith("orphan", StringComparison.Ordinal)))
                Assert.Same(last, trimmed[^1]);
            var position = new Dictionary<HarmonyMessage, int>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < messages.Count; i++) position[messages[i]] = i;
            var indexes = trimmed.Select(m => position[m]).ToList();
            Assert.True(indexes.Zip(indexes.Skip(1)).All(p => p.First < p.Second));
        }
    }
}
