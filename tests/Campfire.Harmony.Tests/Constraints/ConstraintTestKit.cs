using System.Collections.Immutable;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Constraints;

/// <summary>Grammars and drivers shared by the constraint tests.</summary>
internal static class ConstraintTestKit
{
    public static readonly O200kHarmonyTokenizer Tokenizer = O200kHarmonyTokenizer.Instance;

    public const string WeatherSchema =
        """{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},"required":["location"],"additionalProperties":false}""";

    public static ToolNamespaceConfig Functions(params (string Name, string Schema)[] tools) =>
        new("functions", null, [.. tools.Select(t => new ToolDescription(t.Name, "test tool", t.Schema))]);

    /// <summary>The conversation of the 4k benchmark completion and of most tests: browser built in, get_weather.</summary>
    public static Conversation WeatherConversation() => Conversation.FromMessages(
        Message.System(SystemContent.Default.WithBrowserTool()),
        Message.Developer(DeveloperContent.Empty.WithTools(Functions(("get_weather", WeatherSchema)))),
        Message.User("What is the weather?"));

    public static HarmonyTokenGrammar WeatherGrammar() => HarmonyTokenGrammar.ForConversation(WeatherConversation());

    public static int[] Ids(string harmonyText) => Tokenizer.EncodeToIds(harmonyText, allowSpecialTokens: true);

    /// <summary>Feeds <paramref name="ids"/> one by one, checking that each is in the mask written before it and accepted.
    /// Returns the index of the first id refused (-1 when all pass).</summary>
    public static int FirstRefused(ITokenConstraint constraint, ReadOnlySpan<int> ids)
    {
        var mask = new ulong[TokenMask.WordCount(constraint.VocabularySize)];
        for (int i = 0; i < ids.Length; i++)
        {
            constraint.WriteAllowedTokens(mask);
            if (!TokenMask.IsAllowed(mask, ids[i]))
                return i;
            if (!constraint.TryAccept(ids[i]))
                throw new InvalidOperationException($"id {ids[i]} at {i} was in the mask but TryAccept refused it");
        }
        return -1;
    }

    public static string Describe(ReadOnlySpan<int> ids, int at)
    {
        int from = Math.Max(0, at - 12);
        return $"refused id {ids[at]} ({Tokenizer.Decode(ids.Slice(at, 1))}) at {at} after: {Tokenizer.Decode(ids[from..at])}";
    }
}
