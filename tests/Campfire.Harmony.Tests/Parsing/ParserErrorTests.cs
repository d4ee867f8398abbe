using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>Bad input: specific errors with token index and state; the parser and the completed messages survive.</summary>
public sealed class ParserErrorTests
{
    [Fact]
    public void Token_other_than_start_between_messages_names_the_token_and_its_index()
    {
        var tokens = Encode("<|start|>assistant<|message|>Hi<|end|>oops");
        var error = Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, null, ParseMode.Strict));
        Assert.Equal(HarmonyParseError.UnexpectedToken, error.Error);
        Assert.Equal(HarmonyParseState.ExpectStart, error.State);
        Assert.Equal(Array.IndexOf(tokens, HarmonyTokens.End) + 1, error.TokenIndex);
        Assert.Contains("while expecting start token 200006", error.Message);
        Assert.Equal(ToJson([Message.Assistant("Hi")]), ToJson(error.CompletedMessages));
    }

    [Theory]
    [InlineData("<|start|><|message|>x<|end|>", HarmonyParseError.MissingRole)]
    [InlineData("<|start|>robot<|message|>x<|end|>", HarmonyParseError.UnknownRole)]
    [InlineData("<|start|>assistant<|channel|> final<|message|>x<|end|>", HarmonyParseError.EmptyChannel)]
    [InlineData("<|start|>assistant<|channel|>final a b c<|message|>x<|end|>", HarmonyParseError.UnexpectedHeaderText)]
    [InlineData("<|start|>assistant<|channel|>final", HarmonyParseError.UnexpectedEndOfStream)]
    public void Header_errors_are_specific(string text, HarmonyParseError expected)
    {
        var tokens = Encode(text);
        foreach (var mode in new[] { ParseMode.Strict, ParseMode.NonStrict })
        {
            var error = Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, null, mode));
            Assert.Equal(expected, error.Error);
            Assert.Equal(HarmonyParseState.Header, error.State);
        }
        Assert.True(HarmonyCompletionParser.TryParse(tokens, null, ParseMode.Lenient, out _, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Header_with_an_id_outside_the_vocabulary_cannot_be_decoded()
    {
        int[] tokens = [HarmonyTokens.Start, 173781, -1, HarmonyTokens.Message, 12, HarmonyTokens.End];
        var error = Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, null, ParseMode.Strict));
        Assert.Equal(HarmonyParseError.HeaderNotDecodable, error.Error);
        Assert.Equal(3, error.TokenIndex);
    }

    [Fact]
    public void Header_longer_than_the_limit_fails_and_keeps_the_completed_messages()
    {
        var tokens = Encode("<|channel|>final<|message|>First.<|end|><|start|>assistant to=functions.a_very_long_tool_name_that_goes_on<|channel|>commentary<|message|>{}<|call|>");
        var limits = new HarmonyParserLimits(MaxHeaderBytes: 24);
        var error = Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, Role.Assistant, ParseMode.Lenient, limits));
        Assert.Equal(HarmonyParseError.HeaderTooLong, error.Error);
        Assert.Equal(HarmonyParseState.Header, error.State);
        Assert.Equal(ToJson([Message.Assistant("First.").WithChannel("final")]), ToJson(error.CompletedMessages));
        Assert.Equal(ToJson(HarmonyCompletionParser.Parse(tokens, Role.Assistant, ParseMode.Strict).Messages[..1]), ToJson(error.CompletedMessages));
    }

    [Fact]
    public void Message_longer_than_the_limit_fails_at_the_token_that_crosses_it()
    {
        var tokens = Encode("<|channel|>final<|message|>" + string.Concat(Enumerable.Repeat("lorem ipsum ", 40)) + "<|end|>");
        var limits = new HarmonyParserLimits(MaxMessageBytes: 100);
        var error = Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse(tokens, Role.Assistant, ParseMode.Strict, limits));
        Assert.Equal(HarmonyParseError.MessageTooLong, error.Error);
        Assert.Equal(HarmonyParseState.Content, error.State);
        int bytesBefore = 0;
        for (int i = Array.IndexOf(tokens, HarmonyTokens.Message) + 1; i < error.TokenIndex; i++)
            bytesBefore += Tokenizer.GetTokenBytes(tokens[i]).Length;
        Assert.True(bytesBefore <= 100 && bytesBefore + Tokenizer.GetTokenBytes(tokens[(int)error.TokenIndex]).Length > 100);
    }

    [Fact]
    public void Parser_is_unchanged_by_a_token_it_refuses_and_can_go_on()
    {
        var parser = new HarmonyStreamParser(ParseMode.Strict);
        var good = Encode("<|start|>assistant<|message|>Hi<|end|>");
        Assert.Equal(HarmonyParserEventKind.ContentDelta, Feed(ref parser, good[..^1]));
        Assert.Equal(HarmonyParserEventKind.MessageEnded, Feed(ref parser, good[^1..]));
        long index = parser.TokenIndex;

        var error = Assert.Throws<HarmonyParseException>(() => { var copy = parser; copy.Read(12); });
        Assert.Equal(index, error.TokenIndex);
        try
        {
            parser.Read(12);
        }
        catch (HarmonyParseException)
        {
        }
        Assert.Equal(index, parser.TokenIndex);
        Assert.Equal(HarmonyParseState.ExpectStart, parser.State);

        var collector = new HarmonyMessageCollector();
        foreach (int token in Encode("<|start|>user<|message|>Again<|end|>"))
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
                collector.Handle(ref parser, kind);
        }
        Assert.Equal(ToJson([Message.User("Again")]), ToJson(collector.Messages));
    }

    [Fact]
    public void Tool_call_arguments_that_are_not_json_raise_a_specific_error()
    {
        var result = HarmonyCompletionParser.Parse(Encode("<|start|>assistant to=functions.f<|channel|>commentary <|constrain|>json<|message|>{oops<|call|>"), null, ParseMode.Strict);
        var call = Assert.Single(result.ToolCalls);
        Assert.False(call.TryParseArguments(out _));
        var error = Assert.Throws<HarmonyToolArgumentsException>(() => call.ParseArguments());
        Assert.Equal("functions.f", error.Recipient);
        Assert.IsAssignableFrom<HarmonyException>(error);
    }

    [Fact]
    public void Text_input_errors_give_the_byte_offset_and_keep_the_completed_messages()
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes("<|start|>assistant<|message|>Hi ✓<|end|>oops");
        var error = Assert.Throws<HarmonyParseException>(() => HarmonyTextParser.Parse(text, null, ParseMode.Strict));
        Assert.Equal(HarmonyParseError.UnexpectedToken, error.Error);
        Assert.Equal(text.Length - 4, error.TokenIndex);
        Assert.Equal(ToJson([Message.Assistant("Hi ✓")]), ToJson(error.CompletedMessages));
    }

    [Fact]
    public void Empty_completion_after_a_prefill_is_an_error_as_in_the_reference()
    {
        Assert.Throws<HarmonyParseException>(() => HarmonyCompletionParser.Parse([], Role.Assistant, ParseMode.Strict));
        Assert.Empty(HarmonyCompletionParser.Parse([], null, ParseMode.Strict).Messages);
    }

    private static HarmonyParserEventKind Feed(ref HarmonyStreamParser parser, ReadOnlySpan<int> tokens)
    {
        var last = HarmonyParserEventKind.None;
        while (true)
        {
            var kind = parser.Read(tokens, out int consumed);
            tokens = tokens[consumed..];
            if (kind == HarmonyParserEventKind.None)
                return last;
            last = kind;
        }
    }
}

/// <summary>The parser struct as a value: default instance, snapshots with long (spilled) headers.</summary>
public sealed class ParserStateTests
{
    [Fact]
    public void Default_parser_is_a_strict_parser_without_prefill()
    {
        var tokens = Encode("<|start|>assistant<|channel|>final<|message|>Hi<|end|>");
        var parser = default(HarmonyStreamParser);
        var collector = new HarmonyMessageCollector();
        Assert.False(parser.HasChannel);
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
                collector.Handle(ref parser, kind);
        }
        Assert.Equal(ParseMode.Strict, parser.Mode);
        Assert.Equal(ToJson([Message.Assistant("Hi").WithChannel("final")]), ToJson(collector.Messages));
    }

    [Fact]
    public void Copies_of_a_parser_inside_a_long_header_do_not_share_its_bytes()
    {
        // A header past the 256-byte inline buffer spills to the heap; copies must still be independent.
        string recipient = "functions." + new string('x', 400);
        var prefix = Encode($"<|start|>assistant to={recipient}");
        var parser = new HarmonyStreamParser(ParseMode.Strict);
        foreach (int token in prefix)
            Assert.Equal(HarmonyParserEventKind.None, parser.Read(token));

        var copy = parser;
        var left = Finish(ref parser, Encode("<|channel|>commentary json<|message|>A<|call|>"));
        var right = Finish(ref copy, Encode("_b<|channel|>final<|message|>B<|end|>"));
        Assert.Equal(ToJson([Message.Assistant("A").WithChannel("commentary").WithRecipient(recipient).WithContentType("json")]), ToJson(left));
        Assert.Equal(ToJson([Message.Assistant("B").WithChannel("final").WithRecipient(recipient + "_b")]), ToJson(right));
    }

    private static System.Collections.Immutable.ImmutableArray<Message> Finish(ref HarmonyStreamParser parser, int[] tokens)
    {
        var collector = new HarmonyMessageCollector();
        foreach (int token in tokens)
        {
            for (var kind = parser.Read(token); kind != HarmonyParserEventKind.None; kind = parser.Read())
                collector.Handle(ref parser, kind);
        }
        return collector.Messages;
    }
}
