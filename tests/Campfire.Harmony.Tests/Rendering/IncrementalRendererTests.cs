using System.Buffers;
using CsCheck;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Rendering;

public class IncrementalRendererTests
{
    private static readonly HarmonyRenderer Renderer = new(O200kHarmonyTokenizer.Instance, cacheMessageTokens: false);

    private static readonly string[] Texts =
    [
        "hello", "Grüße aus München", "東京 🔥", "<|end|> not a token", " \n\t spaced  ", "", "{\"a\": 1}", "é́ combining", "ß",
    ];

    /// <summary>Every kind of message that changes the rules: system (reads the function-tools flag), developer with and
    /// without functions, analysis/final/commentary assistant messages (auto-drop), tool calls and replies, users.</summary>
    private static readonly Gen<Message> MessageGen = Gen.OneOf(
        Gen.Const(Message.System(new SystemContent().WithConversationStartDate("2026-01-01"))),
        Gen.Const(Message.System(new SystemContent().WithBrowserTool())),
        Gen.Const(Message.Developer(new DeveloperContent().WithInstructions("Be brief."))),
        Gen.Const(Message.Developer(new DeveloperContent().WithFunctionTools(RenderTestData.Weather))),
        Gen.Int[0, Texts.Length - 1].Select(i => Message.User(Texts[i])),
        Gen.Int[0, Texts.Length - 1].Select(i => Message.Assistant(Texts[i]).WithChannel("analysis")),
        Gen.Int[0, Texts.Length - 1].Select(i => Message.Assistant(Texts[i]).WithChannel("final")),
        Gen.Int[0, Texts.Length - 1].Select(i => Message.Assistant(Texts[i]).WithChannel("commentary")),
        Gen.Const(Message.Assistant("{\"city\":\"Oslo\"}").WithChannel("commentary").WithRecipient("functions.get_weather").WithContentType("<|constrain|>json")),
        Gen.Int[0, Texts.Length - 1].Select(i => Message.Tool("functions.get_weather", Texts[i]).WithRecipient("assistant").WithChannel("commentary")),
        Gen.Int[0, Texts.Length - 1].Select(i => Message.Assistant(Texts[i]).WithChannel("final").WithRecipient("all")));

    [Fact]
    public void AppendingMessagesGivesTheSameTokensAsAFullRender()
    {
        int earlierTokensChanged = 0, prefixKept = 0;
        Gen.Select(MessageGen.Array[1, 14], Gen.Bool).Sample((messages, autoDrop) =>
        {
            var options = new RenderOptions { AutoDropAnalysis = autoDrop };
            var incremental = new IncrementalRenderer(Renderer, options);
            var conversation = Conversation.Empty;
            foreach (var message in messages)
            {
                int[] before = incremental.Tokens.ToArray();
                int rendered = incremental.MessagesRendered;
                int changedAt = incremental.Append(message);
                conversation = conversation.Append(message);

                int[] full = Renderer.RenderConversation(conversation, options);
                Assert.Equal(full, incremental.Tokens.ToArray());
                Assert.Equal(Renderer.RenderConversationForCompletion(conversation, Role.Assistant, options), incremental.RenderForCompletion(Role.Assistant));
                // Everything before the reported index is unchanged; nothing at the index is the same by accident of rules.
                Assert.InRange(changedAt, 0, before.Length);
                Assert.Equal(before[..changedAt], full[..changedAt]);
                if (changedAt == before.Length)
                {
                    Assert.Equal(rendered + 1, incremental.MessagesRendered);
                    prefixKept++;
                }
                else
                {
                    earlierTokensChanged++;
                }
            }
        }, seed: "0N0XIzNsQ0O2", iter: 300, threads: 1);
        // The sample must exercise both kinds of append (the rules that rewrite earlier tokens included).
        Assert.True(earlierTokensChanged > 20, $"only {earlierTokensChanged} appends changed earlier tokens");
        Assert.True(prefixKept > 200, $"only {prefixKept} appends kept the prefix");
    }

    [Fact]
    public void OrdinaryAppendRendersOnlyTheNewMessage()
    {
        var incremental = new IncrementalRenderer(Renderer);
        foreach (var message in RenderTestData.ToolConversation.Messages.Take(6))
            incremental.Append(message);
        int length = incremental.Tokens.Length;
        int rendered = incremental.MessagesRendered;
        var prefix = incremental.Tokens.ToArray();

        int changedAt = incremental.Append(Message.User("one more question"));

        Assert.Equal(length, changedAt);
        Assert.Equal(rendered + 1, incremental.MessagesRendered);
        Assert.Equal(prefix, incremental.Tokens[..length].ToArray());
    }

    [Fact]
    public void FinalAnswerDropsEarlierAnalysisAndReportsWhereTokensChanged()
    {
        var incremental = new IncrementalRenderer(Renderer);
        incremental.Append(Message.User("What is 2 + 2?"));
        int analysisStart = incremental.Tokens.Length;
        incremental.Append(Message.Assistant("Simple arithmetic.").WithChannel("analysis"));
        int changedAt = incremental.Append(Message.Assistant("4").WithChannel("final"));
        Assert.Equal(analysisStart, changedAt);
        Assert.DoesNotContain("Simple arithmetic", O200kHarmonyTokenizer.Instance.Decode(incremental.Tokens));
    }

    [Fact]
    public void TruncatingThenAppendingGivesTheSameTokensAsAFullRender()
    {
        int earlierTokensChanged = 0, retokenizedKept = 0;
        Gen.Select(MessageGen.Array[1, 14], MessageGen.Array[0, 6], Gen.Int[0, 14], Gen.Bool).Sample((messages, appended, keep, autoDrop) =>
        {
            keep = Math.Min(keep, messages.Length);
            var options = new RenderOptions { AutoDropAnalysis = autoDrop };
            var incremental = new IncrementalRenderer(Renderer, options);
            incremental.Append(messages);
            var before = incremental.Tokens.ToArray();
            int rendered = incremental.MessagesRendered;

            int changedAt = incremental.Truncate(keep);

            var kept = new Conversation([.. messages[..keep]]);
            int[] full = Renderer.RenderConversation(kept, options);
            Assert.Equal(keep, incremental.MessageCount);
            Assert.Equal(full, incremental.Tokens.ToArray());
            // Everything before the reported index is as it was; removing only the tail re-tokenizes nothing unless a
            // removed message had changed the system message's function-tools line.
            Assert.InRange(changedAt, 0, full.Length);
            Assert.Equal(before[..changedAt], full[..changedAt]);
            if (changedAt < full.Length) earlierTokensChanged++;
            if (incremental.MessagesRendered > rendered) retokenizedKept++;

            foreach (var message in appended)
            {
                incremental.Append(message);
                kept = kept.Append(message);
            }
            Assert.Equal(Renderer.RenderConversationForCompletion(kept, Role.Assistant, options), incremental.RenderForCompletion(Role.Assistant));
        }, seed: "0N0XIzNsQ0O2", iter: 300, threads: 1);
        Assert.True(earlierTokensChanged > 5, $"only {earlierTokensChanged} truncations changed kept tokens");
        Assert.True(retokenizedKept > 0, "no truncation removed the function-tools line");
    }

    [Fact]
    public void TruncatingOutsideTheMessagesIsRefused()
    {
        var incremental = new IncrementalRenderer(Renderer);
        incremental.Append(Message.User("hi"));
        Assert.Throws<ArgumentOutOfRangeException>(() => incremental.Truncate(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => incremental.Truncate(-1));
        Assert.Equal(1, incremental.MessageCount);
    }

    [Fact]
    public void FirstFunctionToolsChangeTheSystemMessage()
    {
        var incremental = new IncrementalRenderer(Renderer);
        incremental.Append(Message.User("before the system message"));
        int systemStart = incremental.Tokens.Length;
        incremental.Append(Message.System(new SystemContent()));
        incremental.Append(Message.User("hi"));
        int changedAt = incremental.Append(Message.Developer(new DeveloperContent().WithFunctionTools(RenderTestData.Weather)));
        Assert.Equal(systemStart, changedAt);
        Assert.Contains("Calls to these tools must go to the commentary channel", O200kHarmonyTokenizer.Instance.Decode(incremental.Tokens));
    }

    [Fact]
    public void RefusedMessageChangesNothing()
    {
        var incremental = new IncrementalRenderer(Renderer);
        incremental.Append(Message.User("hi"));
        var before = incremental.Tokens.ToArray();
        Assert.Throws<HarmonyRenderException>(() => incremental.Append(new Message(new Author(Role.Tool), ["no name"])));
        Assert.Equal(1, incremental.MessageCount);
        Assert.Equal(before, incremental.Tokens.ToArray());
        incremental.Append(Message.Assistant("ok").WithChannel("final"));
        Assert.Equal(Renderer.RenderConversation(incremental.ToConversation()), incremental.Tokens.ToArray());
    }

    [Fact]
    public void ClearStartsOver()
    {
        var incremental = new IncrementalRenderer(Renderer);
        incremental.Append(RenderTestData.ToolConversation.Messages);
        incremental.Clear();
        Assert.Equal(0, incremental.Tokens.Length);
        incremental.Append(Message.User("x"));
        Assert.Equal(Renderer.Render(Message.User("x")), incremental.Tokens.ToArray());
        var writer = new ArrayBufferWriter<int>();
        incremental.RenderForCompletion(Role.Assistant, writer);
        Assert.Equal(Renderer.RenderConversationForCompletion(incremental.ToConversation(), Role.Assistant), writer.WrittenSpan.ToArray());
    }
}
