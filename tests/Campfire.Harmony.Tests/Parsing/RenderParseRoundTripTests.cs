using System.Collections.Immutable;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Rendering;
using CsCheck;
using static Campfire.Harmony.Tests.Parsing.ParserTestSupport;

namespace Campfire.Harmony.Tests.Parsing;

/// <summary>Round trip: rendering random conversations and parsing the tokens gives the same messages.</summary>
public sealed class RenderParseRoundTripTests
{
    private static readonly string[] Fragments =
    [
        "Hello", " world", "\n", "\n\n", "  ", "\t", "naïve café", "Grüße", "Москва", "東京", "你好", "مرحبا", "नमस्ते",
        "😊", "👩‍👩‍👧", "🇯🇵", "{\"a\": 1}", "```py\nprint(1)\n```", "<|end|>", "<|start|>", "to=", " <|constrain|>json", "a<b",
        "ß", "ﬁ", "\u00A0", "e\u0301", "123456", "'s", ".", "?",
    ];

    private static readonly Gen<string> Text =
        Gen.Int[0, Fragments.Length - 1].Array[0, 12].Select(indexes => string.Concat(indexes.Select(i => Fragments[i])));

    private static readonly string?[] Channels = [null, "analysis", "commentary", "final"];

    private static readonly Gen<string?> Channel = Gen.Int[0, 3].Select(i => Channels[i]);

    private static readonly string[] ToolNames = ["functions.get_weather", "browser.search", "python", "functions.lookup_2"];

    private static readonly Gen<string> ToolName = Gen.Int[0, 3].Select(i => ToolNames[i]);

    private static readonly Gen<Message> AssistantMessage =
        Gen.Select(Text, Channel, Gen.Int[0, 3], ToolName).Select((text, channel, kind, tool) => kind switch
        {
            0 => Message.Assistant(text).WithChannel(channel),
            1 => Message.Assistant(text).WithChannel(channel ?? "commentary").WithRecipient(tool).WithContentType("<|constrain|>json"),
            2 => Message.Assistant(text).WithChannel(channel).WithRecipient(tool),
            _ => Message.Assistant(text).WithChannel("analysis").WithRecipient(tool).WithContentType("code"),
        });

    private static readonly Gen<Message> OtherMessage =
        Gen.Select(Text, Gen.Int[0, 3], ToolName, Channel).Select((text, kind, tool, channel) => kind switch
        {
            0 => Message.User(text),
            1 => Message.Tool(tool, text).WithRecipient("assistant").WithChannel(channel),
            2 => Message.FromRole(Role.Developer, text),
            _ => Message.FromRole(Role.System, text),
        });

    private static readonly Gen<Conversation> Conversations =
        Gen.Frequency((3, AssistantMessage), (2, OtherMessage)).Array[1, 8].Select(messages => Conversation.FromMessages(messages));

    [Fact]
    public void Rendered_random_conversations_parse_back_to_the_same_messages()
    {
        Conversations.Sample(conversation =>
        {
            var tokens = HarmonyRenderer.Default.RenderConversation(conversation, RenderOptions.KeepAnalysis);
            foreach (var mode in new[] { ParseMode.Strict, ParseMode.NonStrict, ParseMode.Lenient })
            {
                var parsed = HarmonyCompletionParser.Parse(tokens, null, mode);
                Assert.Equal(ToJson(conversation.Messages), ToJson(parsed.Messages));
                Assert.Empty(parsed.Diagnostics);
            }
            var streamed = ParseTokenByToken(tokens, null, ParseMode.Strict);
            Assert.Equal(ToJson(conversation.Messages), ToJson(streamed.Messages));
        }, iter: 500);
    }

    [Fact]
    public void Completion_after_the_assistant_prefill_parses_back()
    {
        Gen.Select(OtherMessage, AssistantMessage.Array[1, 4]).Sample((prompt, replies) =>
        {
            var promptTokens = HarmonyRenderer.Default.RenderConversationForCompletion(Conversation.FromMessages(prompt), Role.Assistant, RenderOptions.KeepAnalysis);
            var full = HarmonyRenderer.Default.RenderConversation(Conversation.FromMessages([prompt, .. replies]), RenderOptions.KeepAnalysis);
            // The completion is what follows the prompt's "<|start|>assistant".
            Assert.Equal(promptTokens[..^1], full[..(promptTokens.Length - 1)]);
            var completion = full[promptTokens.Length..];
            var parsed = HarmonyCompletionParser.Parse(completion, Role.Assistant, ParseMode.Strict);
            Assert.Equal(ToJson([.. replies]), ToJson(parsed.Messages));
        }, iter: 200);
    }

    [Fact]
    public void Parsed_tool_call_renders_back_to_the_same_tokens()
    {
        var tokens = Encode("<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Tokyo\"}<|call|>");
        var parsed = HarmonyCompletionParser.Parse(tokens, null, ParseMode.Strict);
        var rendered = HarmonyRenderer.Default.RenderConversation(new Conversation(parsed.Messages));
        Assert.Equal(tokens[..^1], rendered[..^1]);
    }
}
