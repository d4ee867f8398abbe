using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>
/// Every parser test of openai/harmony's src/tests.rs and tests/test_harmony.py, run in strict and non-strict mode
/// (both must agree wherever the input is well formed).
/// </summary>
public sealed class ReferenceParserTests
{
    public static TheoryData<ParseMode> ReferenceModes => new() { ParseMode.Strict, ParseMode.NonStrict };

    private static Message Assistant(string text, string? channel = null) => Message.Assistant(text).WithChannel(channel);

    private static void AssertMessages(IEnumerable<Message> expected, HarmonyParseResult actual) =>
        Assert.Equal(ToJson([.. expected]), ToJson(actual.Messages));

    /// <summary>Parses in batch and token by token; both must agree.</summary>
    private static HarmonyParseResult Parse(int[] tokens, Role? role, ParseMode mode)
    {
        var batch = HarmonyCompletionParser.Parse(tokens, role, mode);
        var streamed = ParseTokenByToken(tokens, role, mode);
        Assert.Equal(ToJson(batch.Messages), ToJson(streamed.Messages));
        return batch;
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Simple_reasoning_response(ParseMode mode)
    {
        var tokens = ParseIds(LoadTestData("test_simple_reasoning_response.txt"));
        AssertMessages(
            [
                Assistant("User asks: \"What is 2 + 2?\" Simple arithmetic. Provide answer.", "analysis"),
                Assistant("2 + 2 = 4.", "final"),
            ],
            Parse(tokens, Role.Assistant, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Simple_tool_call(ParseMode mode)
    {
        int[] tokens =
        [
            200005, 35644, 200008, 1844, 31064, 25, 392, 4827, 382, 290, 11122, 306, 40510, 16842,
            1416, 1309, 316, 1199, 37342, 170154, 4584, 13, 200007, 200006, 173781, 200005, 35644, 316,
            28, 29712, 170154, 3490, 200008, 10848, 7693, 1243, 392, 173844, 18583,
        ];
        AssertMessages(
            [
                Assistant("User asks: \"What is the weather in Tokyo?\" We need to use lookup_weather tool.", "analysis"),
                Assistant("{\"location\": \"Tokyo\"}", "analysis").WithRecipient("lookup_weather").WithContentType("code"),
            ],
            Parse(tokens, Role.Assistant, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Simple_tool_call_from_the_test_data_file(ParseMode mode)
    {
        // test_harmony.py's version: <|return|> after the analysis, the recipient before the channel.
        var tokens = ParseIds(LoadTestData("test_simple_tool_call.txt"));
        AssertMessages(
            [
                Assistant("User asks: \"What is the weather in Tokyo?\" We need to use lookup_weather tool.", "analysis"),
                Assistant("{\"location\": \"Tokyo\"}", "analysis").WithRecipient("lookup_weather").WithContentType("code"),
            ],
            Parse(tokens, Role.Assistant, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Tool_response_parsing(ParseMode mode)
    {
        string text = LoadTestData("test_tool_response_parsing.txt");
        var tokens = Encode(text);
        Assert.Equal(text, Tokenizer.Decode(tokens));
        var result = Parse(tokens, null, mode);
        AssertMessages(
            [Message.Tool("browser.search", "{\"result\": \"https://openai.com/\"}").WithChannel("commentary").WithRecipient("assistant")],
            result);
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Streamable_parser_yields_three_messages(ParseMode mode)
    {
        var tokens = Encode(LoadTestData("test_streamable_parser.txt"));
        var result = Parse(tokens, Role.Assistant, mode);
        Assert.Equal(3, result.Messages.Length);
        Assert.Equal("browser.search", result.Messages[1].Recipient);
        Assert.Equal("code", result.Messages[1].ContentType);
        Assert.Equal(new Author(Role.Tool, "browser.search"), result.Messages[2].Author);
        Assert.Equal("assistant", result.Messages[2].Recipient);
        Assert.Single(result.ToolCalls);
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Tool_call_with_constrain_adjacent_after_channel(ParseMode mode)
    {
        var tokens = Encode("<|start|>assistant<|channel|>commentary to=functions.get_weather<|constrain|>json<|message|>{\"latitude\":48.8566,\"longitude\":2.3522}<|call|>");
        AssertMessages(
            [Assistant("{\"latitude\":48.8566,\"longitude\":2.3522}", "commentary").WithRecipient("functions.get_weather").WithContentType("<|constrain|>json")],
            Parse(tokens, null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Tool_call_with_constrain_marker_adjacent_to_recipient(ParseMode mode)
    {
        var tokens = Encode("<|start|>assistant to=functions.get_weather<|channel|>commentary<|constrain|>json<|message|>{\"location\": \"Tokyo\"}<|end|>");
        AssertMessages(
            [Assistant("{\"location\": \"Tokyo\"}", "commentary").WithRecipient("functions.get_weather").WithContentType("<|constrain|>json")],
            Parse(tokens, null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Tool_call_with_constrain_tokenized_as_special_token(ParseMode mode)
    {
        const string text = "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Tokyo\"}<|call|>";
        var tokens = Encode(text);
        Assert.Contains(HarmonyTokens.Constrain, tokens);
        Assert.Equal(text, Tokenizer.Decode(tokens));
        var result = Parse(tokens, null, mode);
        AssertMessages(
            [Assistant("{\"location\": \"Tokyo\"}", "commentary").WithRecipient("functions.get_weather").WithContentType("<|constrain|>json")],
            result);
        var call = Assert.Single(result.ToolCalls);
        Assert.Equal("functions", call.Namespace);
        Assert.Equal("get_weather", call.Method);
        Assert.True(call.IsJson);
        Assert.Equal("Tokyo", call.ParseArguments().GetProperty("location").GetString());
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Lone_constrained_word_after_channel_is_the_recipient_as_in_v0_0_8(ParseMode mode)
    {
        // openai/harmony's later test_streamable_parser_constrained_output_without_recipient expects a content type
        // here; v0.0.8 (our reference, pinned by conformance cases p95 and p221) gives a recipient. Lenient mode
        // reads it the later way (see LenientParserTests).
        var tokens = Encode("<|start|>assistant<|channel|>final <|constrain|>json<|message|>{\"result\":true}<|return|>");
        AssertMessages([Assistant("{\"result\":true}", "final").WithRecipient("<|constrain|>json")], Parse(tokens, null, mode));
    }

    [Fact]
    public void Missing_message_token_requires_non_strict_mode()
    {
        var tokens = Encode("<|channel|>commentary Hello<|end|>");
        var error = Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, Role.Assistant, ParseMode.Strict));
        Assert.Equal(HarmonyParseError.UnexpectedEndOfStream, error.Error);
        AssertMessages([Assistant("Hello", "commentary")], Parse(tokens, Role.Assistant, ParseMode.NonStrict));
    }

    public static TheoryData<string, Message[]> MissingMessageTokenCases => new()
    {
        {
            "I must refuse<|end|><|start|>assistant<|channel|>analysis<|message|>We must refuse<|end|><|start|>assistant<|channel|>final<|message|>I'm sorry, but I can't help with that.<|return|>",
            [Assistant("I must refuse"), Assistant("We must refuse", "analysis"), Assistant("I'm sorry, but I can't help with that.", "final")]
        },
        {
            "<|channel|>analysis I must refuse<|end|><|start|>assistant<|channel|>analysis<|message|>We must refuse<|end|><|start|>assistant<|channel|>final<|message|>I'm sorry, but I can't help with that.<|return|>",
            [Assistant("I must refuse", "analysis"), Assistant("We must refuse", "analysis"), Assistant("I'm sorry, but I can't help with that.", "final")]
        },
        {
            "... Let's use the tool.<|end|><|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{\"location\": \"Tokyo\"}<|call|>",
            [Assistant("... Let's use the tool."), Assistant("{\"location\": \"Tokyo\"}", "commentary").WithRecipient("functions.get_weather").WithContentType("json")]
        },
    };

    [Theory, MemberData(nameof(MissingMessageTokenCases))]
    public void Missing_message_token_is_an_error_in_strict_mode_and_recovered_in_non_strict_mode(string text, Message[] expected)
    {
        var tokens = Encode(text);
        var error = Assert.Throws<HarmonyParseException>(() => ParseTokenByToken(tokens, Role.Assistant, ParseMode.Strict));
        Assert.Equal(HarmonyParseError.UnexpectedHeaderText, error.Error);
        Assert.Contains("unexpected tokens remaining in message header", error.Message);
        AssertMessages(expected, Parse(tokens, Role.Assistant, ParseMode.NonStrict));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Partial_bytes_do_not_leak_between_messages(ParseMode mode)
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>")) { 9552, 9552 };
        tokens.AddRange(Encode("<|end|><|start|>assistant<|message|>"));
        tokens.AddRange(EncodeOrdinary("Hi"));
        tokens.AddRange(Encode("<|end|>"));
        var result = Parse([.. tokens], null, mode);
        Assert.Equal(2, result.Messages.Length);
        Assert.Equal(ToJson([Message.Assistant("Hi")]), ToJson([result.Messages[1]]));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Partial_bytes_are_flushed_at_end_of_stream(ParseMode mode)
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>")) { 9552 };
        tokens.AddRange(EncodeOrdinary("Hi"));
        AssertMessages([Message.Assistant(" \uFFFDHi")], Parse([.. tokens], null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Waits_for_a_code_point_spread_over_tokens(ParseMode mode)
    {
        var parser = new HarmonyStreamParser(mode);
        foreach (int token in Encode("<|start|>assistant<|message|>"))
            Drain(ref parser, parser.Read(token));
        var emoji = EncodeOrdinary("💖");
        Assert.True(emoji.Length >= 2);
        Assert.Equal("", Deltas(ref parser, emoji[0]));
        Assert.Equal("💖", Deltas(ref parser, emoji[1]));
        Assert.Equal(HarmonyParserEventKind.MessageEnded, parser.Read(HarmonyTokens.End));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Invalid_content_token_becomes_a_replacement_character_at_the_end(ParseMode mode)
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|channel|>analysis<|message|>Practice invalid token handling.")) { int.MaxValue };
        AssertMessages([Assistant("Practice invalid token handling.\uFFFD", "analysis")], Parse([.. tokens], null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Invalid_utf8_decoding(ParseMode mode)
    {
        Assert.Equal(new byte[] { 32, 240, 159 }, Tokenizer.GetTokenBytes(9552).ToArray());
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>")) { 9552, 9552 };
        tokens.AddRange(Encode("worked<|end|>"));
        AssertMessages([Message.Assistant(" \uFFFD \uFFFDworked")], Parse([.. tokens], null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Invalid_utf8_split_across_tokens(ParseMode mode)
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>")) { 9552 };
        tokens.AddRange(EncodeOrdinary("XY"));
        tokens.AddRange(Encode("<|end|>"));
        AssertMessages([Message.Assistant(" \uFFFDXY")], Parse([.. tokens], null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Invalid_utf8_before_a_multi_byte_token(ParseMode mode)
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>")) { 9552 };
        tokens.AddRange(EncodeOrdinary(" interesting"));
        tokens.AddRange(Encode("<|end|>"));
        AssertMessages([Message.Assistant(" \uFFFD interesting")], Parse([.. tokens], null, mode));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Invalid_utf8_without_end_marker_keeps_current_content_and_deltas(ParseMode mode)
    {
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>")) { 9552 };
        tokens.AddRange(EncodeOrdinary(" interesting"));
        tokens.AddRange(EncodeOrdinary(" story"));
        var parser = new HarmonyStreamParser(mode);
        var collector = new HarmonyMessageCollector();
        var deltas = new StringBuilder();
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
            {
                if (kind == HarmonyParserEventKind.ContentDelta)
                    deltas.Append(Utf8(parser.ContentDelta));
                collector.Handle(ref parser, kind);
            }
        }
        Assert.Equal(" \uFFFD interesting story", collector.CurrentContent);
        Assert.Equal(" \uFFFD interesting story", deltas.ToString());
        Assert.Equal(HarmonyParserEventKind.ContentDelta, parser.Read(EncodeOrdinary("Y")[0]));
        Assert.Equal("Y", Utf8(parser.ContentDelta));
    }

    [Theory, MemberData(nameof(ReferenceModes))]
    public void Tricky_utf8_arrives_whole_in_messages_and_deltas(ParseMode mode)
    {
        const string tricky = "Hello Müller, Γειά σου, Привет, שלום, مرحبا, नमस्ते, こんにちは, 안녕하세요, 你好. Normalized (naïve) vs. decomposed (naïve) characters. Some emojis: 😊👋🏾👨‍👩‍👧‍👦🇺🇸.";
        var tokens = new List<int>(Encode("<|start|>assistant<|message|>"));
        tokens.AddRange(EncodeOrdinary(tricky));
        tokens.AddRange(Encode("<|end|>"));
        var parser = new HarmonyStreamParser(mode);
        var deltas = new StringBuilder();
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
            {
                if (kind == HarmonyParserEventKind.ContentDelta)
                {
                    Assert.True(System.Text.Unicode.Utf8.IsValid(parser.ContentDelta));
                    deltas.Append(Utf8(parser.ContentDelta));
                }
            }
        }
        Assert.Equal(tricky, deltas.ToString());
        AssertMessages([Message.Assistant(tricky)], Parse([.. tokens], null, mode));
    }

    private static void Drain(ref HarmonyStreamParser parser, HarmonyParserEventKind kind)
    {
        while (kind != HarmonyParserEventKind.None)
            kind = parser.Read();
    }

    private static string Deltas(ref HarmonyStreamParser parser, int token)
    {
        var text = new StringBuilder();
        for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
        {
            if (kind == HarmonyParserEventKind.ContentDelta)
                text.Append(Utf8(parser.ContentDelta));
        }
        return text.ToString();
    }
}
