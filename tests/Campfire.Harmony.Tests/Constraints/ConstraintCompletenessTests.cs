using System.Text.Json;
using Campfire.Benchmarks.Data;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tests.Conformance;
using Campfire.Harmony.Tests.Parsing;
using Campfire.Harmony.Tokenization;
using static Campfire.Harmony.Tests.Constraints.ConstraintTestKit;

namespace Campfire.Harmony.Tests.Constraints;

/// <summary>
/// No valid output is excluded: every assistant message of the shared conformance vectors (reference conversations,
/// generated conversations, generated completions) that is a valid output for its conversation (a channel of its
/// config, a registered recipient, arguments that match the tool's schema) is allowed token by token by the mask of
/// that conversation's grammar; and the shared 4k completion's turns are allowed whole.
/// </summary>
public sealed class ConstraintCompletenessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly int AssistantId = Ids("assistant").Single();

    [Fact]
    public void EveryTurnOfTheShared4kCompletionIsAllowedTokenByToken()
    {
        var grammar = HarmonyTokenGrammar.ForConversation(ConstraintCorpus.WeatherConversation());
        var turns = ConstraintCorpus.WeatherTurns();
        Assert.Equal(20, turns.Length);
        foreach (var turn in turns)
        {
            var constraint = grammar.Start();
            int refused = FirstRefused(constraint, turn);
            Assert.True(refused < 0, refused < 0 ? "" : Describe(turn, refused));
            Assert.True(constraint.IsComplete);
        }
    }

    [Fact]
    public void EveryToolArgumentHeavyTurnIsAllowedTokenByToken()
    {
        var grammar = HarmonyTokenGrammar.ForConversation(ConstraintCorpus.ReportConversation());
        foreach (var turn in ConstraintCorpus.ReportTurns())
        {
            var constraint = grammar.Start();
            int refused = FirstRefused(constraint, turn);
            Assert.True(refused < 0, refused < 0 ? "" : Describe(turn, refused));
            Assert.True(constraint.IsComplete);
        }
    }

    [Fact]
    public void EveryValidAssistantMessageOfTheReferenceConversationsIsAllowed()
    {
        int checkedMessages = CheckConversations(ReferenceConversations.All.Select(c => c.Conversation));
        output.WriteLine($"reference conversations: {checkedMessages} assistant messages checked");
        Assert.True(checkedMessages >= 5, $"only {checkedMessages} messages checked");
    }

    [Fact]
    public void EveryValidAssistantMessageOfTheGeneratedConversationsIsAllowed()
    {
        var conversations = new List<Conversation>();
        foreach (var c in GeneratedRenderVectors.All)
        {
            if (c.ForCompletion is null)
                continue; // the reference refuses to render it
            conversations.Add(c.Parse());
        }
        int checkedMessages = CheckConversations(conversations);
        output.WriteLine($"generated conversations: {checkedMessages} assistant messages checked");
        Assert.True(checkedMessages >= 20, $"only {checkedMessages} messages checked");
    }

    [Fact]
    public void EveryGeneratedCompletionThatParsesStrictlyIntoValidOutputIsAllowed()
    {
        int checkedCases = 0;
        foreach (var c in ParserConformanceTests.AllCases)
        {
            if (!HarmonyCompletionParser.TryParse(c.Tokens, Role.Assistant, ParseMode.Strict, out var parsed, out _))
                continue;
            // No conversation comes with these completions: the grammar registers what they address, each function
            // with an open schema, and the gpt-oss channels.
            var recipients = parsed.Messages.Select(m => m.Recipient).OfType<string>().Where(r => r != "all").Distinct().ToList();
            var namespaces = recipients.Where(r => r.Contains('.'))
                .GroupBy(r => r[..r.IndexOf('.')])
                .Select(g => new ToolNamespaceConfig(g.Key, null, [.. g.Select(r => new ToolDescription(r[(g.Key.Length + 1)..], "", "true"))]))
                .Concat(recipients.Where(r => !r.Contains('.')).Select(r => new ToolNamespaceConfig(r, null, Array.Empty<ToolDescription>())))
                .ToList();
            if (namespaces.GroupBy(n => n.Name).Any(g => g.Count() > 1))
                continue;
            var options = new HarmonyGrammarOptions { ToolNamespaces = [.. namespaces], ChannelRequired = false };
            var grammar = HarmonyTokenGrammar.Create(options);
            var terminators = c.Tokens.Where(t => t is HarmonyTokens.End or HarmonyTokens.Call or HarmonyTokens.Return).ToList();
            bool valid = parsed.Messages.Length > 0 && c.Tokens[^1] is HarmonyTokens.End or HarmonyTokens.Call or HarmonyTokens.Return
                && terminators.Count == parsed.Messages.Length
                && terminators.Take(terminators.Count - 1).All(t => t == HarmonyTokens.End); // <|call|> and <|return|> end the turn
            for (int i = 0; valid && i < parsed.Messages.Length; i++)
                valid = IsValidOutput(parsed.Messages[i], options, terminators[i], includesRole: i > 0);
            if (!valid || !HeaderTokensAreCanonical(c.Tokens) || ContentHasSpecialTokens(c.Tokens))
                continue;
            var constraint = grammar.Start();
            int refused = FirstRefused(constraint, c.Tokens);
            Assert.True(refused < 0, refused < 0 ? "" : $"{c.Id}: {Describe(c.Tokens, refused)}");
            checkedCases++;
        }
        output.WriteLine($"generated completions: {checkedCases} of {ParserConformanceTests.AllCases.Count} checked");
        Assert.True(checkedCases >= 1, $"only {checkedCases} completions checked");
    }

    private static int CheckConversations(IEnumerable<Conversation> conversations)
    {
        int checkedMessages = 0;
        foreach (var conversation in conversations)
        {
            HarmonyTokenGrammar grammar;
            try
            {
                grammar = HarmonyTokenGrammar.ForConversation(conversation);
            }
            catch (ConstraintSchemaException)
            {
                continue; // a schema the grammar refuses at build time (tested separately)
            }
            foreach (var message in conversation.Messages)
            {
                int terminator = message.Recipient is not null and not "all" ? HarmonyTokens.Call : HarmonyTokens.End;
                if (!IsValidOutput(message, grammar.Options, terminator, includesRole: true))
                    continue;
                var ids = HarmonyRenderer.Default.Render(message);
                Assert.Equal(HarmonyTokens.Start, ids[0]);
                Assert.Equal(AssistantId, ids[1]);
                var constraint = grammar.Start();
                int refused = FirstRefused(constraint, ids.AsSpan(2));
                Assert.True(refused < 0, refused < 0 ? "" : Describe(ids.AsSpan(2), refused));
                Assert.Equal(terminator == HarmonyTokens.Call, constraint.IsComplete);
                checkedMessages++;
            }
        }
        return checkedMessages;
    }

    /// <summary>Whether the message is an output the grammar promises to admit (see docs/constraints.md).</summary>
    private static bool IsValidOutput(Message message, HarmonyGrammarOptions options, int terminator, bool includesRole)
    {
        if (message.Author.Role != Role.Assistant || message.Author.Name is not null)
            return false;
        if (message.Content.Length != 1 || message.Content[0] is not TextContent text)
            return false;
        if (message.Channel is null ? options.ChannelRequired : !options.Channels.Contains(message.Channel))
            return false;
        if (message.Channel is { } ch && (ch.Length == 0 || ch.Any(x => char.IsWhiteSpace(x) || x == '<')))
            return false;
        string? recipient = message.Recipient is "all" ? null : message.Recipient;
        if (recipient is null)
        {
            if (message.ContentType is not null)
                return false;
            return terminator == HarmonyTokens.End
                || (terminator == HarmonyTokens.Return && message.Channel is null or "final");
        }
        if (terminator != HarmonyTokens.Call || message.ContentType is not (null or "code" or "<|constrain|>json"))
            return false;
        int dot = recipient.IndexOf('.');
        var ns = options.ToolNamespaces.FirstOrDefault(n => n.Name == (dot < 0 ? recipient : recipient[..dot]));
        if (ns is null)
            return false;
        if (ns.Tools.IsEmpty)
            return dot < 0;
        var tool = dot < 0 ? null : ns.Tools.FirstOrDefault(t => t.Name == recipient[(dot + 1)..]);
        if (tool is null)
            return false;
        return IsCanonicalJson(text.Text, tool.Parameters);
    }

    /// <summary>Valid JSON of the schema, written in the spelling the grammar holds literals to (enum values and
    /// property names without optional escapes, no surrogate escapes).</summary>
    private static bool IsCanonicalJson(string text, JsonElement? schema)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (schema is { } s && !SchemaValidator.IsValid(document.RootElement, s, closed: true))
                return false;
            if (schema is null && document.RootElement.ValueKind != JsonValueKind.Object)
                return false;
        }
        catch (JsonException)
        {
            return false;
        }
        return !System.Text.RegularExpressions.Regex.IsMatch(text, @"\\u[dD][89a-fA-F]");
    }

    /// <summary>The strict parser reads a special token inside content as its literal; the grammar never emits one there.</summary>
    private static bool ContentHasSpecialTokens(int[] tokens)
    {
        bool inContent = false;
        foreach (int t in tokens)
        {
            if (t == HarmonyTokens.Message) { if (inContent) return true; inContent = true; }
            else if (t is HarmonyTokens.End or HarmonyTokens.Call or HarmonyTokens.Return) inContent = false;
            else if (inContent && t >= HarmonyTokens.FirstSpecial) return true;
        }
        return false;
    }

    /// <summary>The completion's headers are spelled as the grammar's header forms (checked by rendering the parsed
    /// header back): generated vectors also hold headers with extra spaces or words that the parser tolerates.</summary>
    private static bool HeaderTokensAreCanonical(int[] tokens)
    {
        string text = Tokenizer.Decode(tokens);
        foreach (var header in System.Text.RegularExpressions.Regex.Matches("<|start|>assistant" + text, @"<\|start\|>(.*?)<\|message\|>", System.Text.RegularExpressions.RegexOptions.Singleline))
        {
            string h = ((System.Text.RegularExpressions.Match)header).Groups[1].Value;
            if (!System.Text.RegularExpressions.Regex.IsMatch(h, @"^assistant(( to=[^\s<]+)?(<\|channel\|>[^\s<]+)?|(<\|channel\|>[^\s<]+)( to=[^\s<]+)?)(( code)| ?<\|constrain\|>json)?$"))
                return false;
        }
        return true;
    }
}
