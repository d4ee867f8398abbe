using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>Lenient mode: each quirk of real gpt-oss output is recovered and reported with its token index.</summary>
public sealed class LenientParserTests
{
    private static HarmonyParseResult Lenient(string text, Role? role = Role.Assistant) =>
        HarmonyCompletionParser.Parse(Encode(text), role, ParseMode.Lenient);

    private static HarmonyParseQuirk[] Quirks(HarmonyParseResult result) => [.. result.Diagnostics.Select(d => d.Quirk)];

    private static void AssertRefusedByReferenceModes(string text, Role? role = Role.Assistant)
    {
        var tokens = Encode(text);
        Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, role, ParseMode.Strict));
        Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, role, ParseMode.NonStrict));
    }

    [Fact]
    public void Missing_start_between_messages_is_assumed()
    {
        const string text = "<|channel|>analysis<|message|>Think.<|end|>assistant<|channel|>final<|message|>Answer.<|return|>";
        AssertRefusedByReferenceModes(text);
        var result = Lenient(text);
        Assert.Equal(ToJson([Message.Assistant("Think.").WithChannel("analysis"), Message.Assistant("Answer.").WithChannel("final")]), ToJson(result.Messages));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(HarmonyParseQuirk.MissingStart, diagnostic.Quirk);
        Assert.Equal(Array.IndexOf(Encode(text), HarmonyTokens.End) + 1, diagnostic.TokenIndex);
    }

    [Fact]
    public void Missing_start_and_role_take_the_previous_role()
    {
        const string text = "<|channel|>analysis<|message|>Think.<|end|><|channel|>final<|message|>Answer.<|return|>";
        AssertRefusedByReferenceModes(text);
        var result = Lenient(text);
        Assert.Equal("final", result.Messages[1].Channel);
        Assert.Equal(Role.Assistant, result.Messages[1].Role);
        Assert.Equal([HarmonyParseQuirk.MissingStart, HarmonyParseQuirk.MissingRole], Quirks(result));
    }

    [Fact]
    public void Message_token_without_start_or_header_opens_a_message_of_the_previous_role()
    {
        const string text = "<|channel|>analysis<|message|>Think.<|end|><|message|>Answer.<|return|>";
        AssertRefusedByReferenceModes(text);
        var result = Lenient(text);
        Assert.Equal(ToJson([Message.Assistant("Think.").WithChannel("analysis"), Message.Assistant("Answer.")]), ToJson(result.Messages));
        Assert.Equal([HarmonyParseQuirk.MissingStart, HarmonyParseQuirk.MissingRole], Quirks(result));
    }

    [Fact]
    public void Lone_unknown_author_is_taken_as_a_tool()
    {
        const string text = "<|start|>functions.get_weather<|message|>{\"temp\": 3}<|end|>";
        AssertRefusedByReferenceModes(text, null);
        var result = Lenient(text, null);
        Assert.Equal(new Author(Role.Tool, "functions.get_weather"), result.Messages[0].Author);
        Assert.Equal([HarmonyParseQuirk.UnknownRole], Quirks(result));
    }

    [Fact]
    public void Empty_channel_marker_is_dropped()
    {
        const string text = "<|start|>assistant<|channel|><|message|>x<|end|>";
        AssertRefusedByReferenceModes(text, null);
        var result = Lenient(text, null);
        Assert.Null(result.Messages[0].Channel);
        Assert.Equal([HarmonyParseQuirk.EmptyChannel], Quirks(result));
    }

    [Fact]
    public void Recipient_after_the_content_type_is_used()
    {
        const string text = "<|start|>assistant<|channel|>commentary json to=functions.lookup<|message|>{}<|call|>";
        AssertRefusedByReferenceModes(text, null);
        var message = Lenient(text, null).Messages[0];
        Assert.Equal("functions.lookup", message.Recipient);
        Assert.Equal("json", message.ContentType);
        Assert.Equal([HarmonyParseQuirk.MisplacedRecipient], Quirks(Lenient(text, null)));
    }

    [Fact]
    public void Extra_header_words_are_dropped()
    {
        const string text = "<|start|>assistant<|channel|>commentary to=functions.lookup please <|constrain|>json<|message|>{}<|call|>";
        AssertRefusedByReferenceModes(text, null);
        var result = Lenient(text, null);
        Assert.Equal("functions.lookup", result.Messages[0].Recipient);
        Assert.Equal("<|constrain|>json", result.Messages[0].ContentType);
        Assert.Contains(HarmonyParseQuirk.ExtraHeaderText, Quirks(result));
    }

    [Theory]
    [InlineData("<constrain>json")]
    [InlineData("<|constraint|>json")]
    [InlineData("<|constrained|>json")]
    [InlineData("<|constrain|> json")]
    [InlineData("<|constrain>json")]
    public void Constrain_spelled_differently_is_normalised(string spelling)
    {
        string text = $"<|start|>assistant to=functions.lookup<|channel|>commentary {spelling}<|message|>{{}}<|call|>";
        var result = Lenient(text, null);
        Assert.Equal("functions.lookup", result.Messages[0].Recipient);
        Assert.Equal("<|constrain|>json", result.Messages[0].ContentType);
        Assert.Equal([HarmonyParseQuirk.ConstrainVariant], Quirks(result));
        Assert.Single(result.ToolCalls);
    }

    [Fact]
    public void Lone_constrained_word_is_the_content_type()
    {
        var result = Lenient("<|start|>assistant<|channel|>final <|constrain|>json<|message|>{\"result\":true}<|return|>", null);
        Assert.Null(result.Messages[0].Recipient);
        Assert.Equal("<|constrain|>json", result.Messages[0].ContentType);
        Assert.Equal([HarmonyParseQuirk.ContentTypeWithoutRecipient], Quirks(result));
    }

    [Fact]
    public void Header_ended_by_a_stop_token_becomes_content_even_without_a_prefill()
    {
        const string text = "<|start|>assistant<|channel|>final Hello there<|end|>";
        Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(Encode(text), null, ParseMode.Strict));
        Assert.Empty(HarmonyCompletionParser.Parse(Encode(text), null, ParseMode.NonStrict).Messages);
        var result = Lenient(text, null);
        Assert.Equal(ToJson([Message.Assistant("Hello there").WithChannel("final")]), ToJson(result.Messages));
        Assert.Equal([HarmonyParseQuirk.MissingMessageToken], Quirks(result));
    }

    [Fact]
    public void Text_after_return_is_ignored_but_a_new_message_is_not()
    {
        const string text = "<|channel|>final<|message|>Done.<|return|> and more text<|end|><|start|>assistant<|channel|>final<|message|>Again.<|return|>";
        AssertRefusedByReferenceModes(text);
        var result = Lenient(text);
        Assert.Equal(["Done.", "Again."], result.Messages.Select(m => ((TextContent)m.Content[0]).Text));
        Assert.Equal([HarmonyParseQuirk.TextAfterReturn], Quirks(result));
    }

    [Fact]
    public void Stray_stop_token_between_messages_is_ignored()
    {
        var result = Lenient("<|channel|>final<|message|>A<|end|><|end|><|start|>assistant<|message|>B<|end|>");
        Assert.Equal(2, result.Messages.Length);
        Assert.Equal([HarmonyParseQuirk.StrayStopToken], Quirks(result));
    }

    [Fact]
    public void Start_inside_a_header_abandons_it()
    {
        var result = Lenient("<|start|>assistant<|channel|>fin<|start|>assistant<|channel|>final<|message|>x<|end|>", null);
        Assert.Equal("final", Assert.Single(result.Messages).Channel);
        Assert.Equal([HarmonyParseQuirk.AbandonedHeader], Quirks(result));
    }

    [Fact]
    public void Start_inside_content_ends_the_message()
    {
        const string text = "<|channel|>analysis<|message|>a<|start|>assistant<|channel|>final<|message|>b<|end|>";
        var strict = HarmonyCompletionParser.Parse(Encode(text), Role.Assistant, ParseMode.Strict);
        Assert.Equal("a<|start|>assistant<|channel|>final<|message|>b", ((TextContent)strict.Messages[0].Content[0]).Text);
        var result = Lenient(text);
        Assert.Equal(["a", "b"], result.Messages.Select(m => ((TextContent)m.Content[0]).Text));
        Assert.Equal([HarmonyParseQuirk.MissingEnd], Quirks(result));

        var parser = new HarmonyStreamParser(ParseMode.Lenient, Role.Assistant);
        var terminators = new List<MessageTerminator>();
        foreach (int token in Encode(text))
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
            {
                if (kind == HarmonyParserEventKind.MessageEnded)
                    terminators.Add(parser.Terminator);
            }
        }
        Assert.Equal([MessageTerminator.Implicit, MessageTerminator.End], terminators);
    }

    [Fact]
    public void Message_cut_off_by_the_token_limit_is_kept_and_reported()
    {
        const string text = "<|channel|>final<|message|>The answer is";
        var strict = HarmonyCompletionParser.Parse(Encode(text), Role.Assistant, ParseMode.Strict);
        var result = Lenient(text);
        Assert.Equal(ToJson(strict.Messages), ToJson(result.Messages));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(HarmonyParseQuirk.TruncatedMessage, diagnostic.Quirk);
        Assert.Equal(Encode(text).Length, diagnostic.TokenIndex);
    }

    [Fact]
    public void Header_cut_off_is_dropped_and_reported()
    {
        const string text = "<|channel|>final<|message|>Done.<|end|><|start|>assistant<|channel|>ana";
        AssertRefusedByReferenceModes(text);
        var result = Lenient(text);
        Assert.Single(result.Messages);
        Assert.Equal([HarmonyParseQuirk.TruncatedHeader], Quirks(result));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_reported()
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|channel|>final"));
        tokens.Add(HarmonyTokens.VocabularySize + 5);
        tokens.AddRange(Encode("<|message|>ok"));
        tokens.Add(-3);
        tokens.AddRange(Encode(" more<|end|>"));
        Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse([.. tokens], null, ParseMode.Strict));
        var result = HarmonyCompletionParser.Parse([.. tokens], null, ParseMode.Lenient);
        Assert.Equal("ok\uFFFD", ((TextContent)result.Messages[0].Content[0]).Text);
        Assert.Equal([HarmonyParseQuirk.InvalidTokenId, HarmonyParseQuirk.InvalidTokenId], Quirks(result));
    }

    [Fact]
    public void Header_bytes_that_are_not_utf8_are_dropped()
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|channel|>final"));
        tokens.Add(9552);
        tokens.AddRange(Encode("<|message|>ok<|end|>"));
        Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse([.. tokens], null, ParseMode.Strict));
        var result = HarmonyCompletionParser.Parse([.. tokens], null, ParseMode.Lenient);
        Assert.Equal("final", result.Messages[0].Channel);
        Assert.Equal([HarmonyParseQuirk.InvalidHeaderBytes], Quirks(result));
    }

    [Fact]
    public void Completions_the_reference_accepts_parse_the_same_unless_a_diagnostic_says_why()
    {
        int same = 0;
        foreach (var c in ParserConformanceTests.AllCases.Where(c => c.Strict.ValueKind == System.Text.Json.JsonValueKind.Array))
        {
            var strict = HarmonyCompletionParser.Parse(c.Tokens, Role.Assistant, ParseMode.Strict);
            var lenient = HarmonyCompletionParser.Parse(c.Tokens, Role.Assistant, ParseMode.Lenient);
            if (lenient.Diagnostics.IsEmpty)
            {
                Assert.Equal(ToJson(strict.Messages), ToJson(lenient.Messages));
                same++;
            }
        }
        Assert.True(same > 150, $"only {same} cases parse without diagnostics");
    }
}
