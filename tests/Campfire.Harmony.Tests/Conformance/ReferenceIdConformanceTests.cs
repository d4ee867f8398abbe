using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Conformance;

/// <summary>
/// The reference's rendering tests, compared as token ids the way it compares them: the expected file with CRLF turned
/// into LF and trailing whitespace trimmed, tokenized with every special token allowed.
/// </summary>
public class ReferenceIdConformanceTests
{
    private static readonly O200kHarmonyTokenizer Tokenizer = O200kHarmonyTokenizer.Instance;

    public static IEnumerable<object[]> Cases => ReferenceConversations.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void RendersTheReferenceTestConversationToItsExpectedIds(ReferenceCase c)
    {
        var expected = Tokenizer.EncodeToIds(ReferenceConversations.ExpectedText(c.File), allowSpecialTokens: true);
        foreach (var renderer in new[] { new HarmonyRenderer(Tokenizer), new HarmonyRenderer(Tokenizer, cacheMessageTokens: false) })
        {
            int[] actual = c.Mode == ReferenceRenderMode.ForCompletionOfAssistant
                ? renderer.RenderConversationForCompletion(c.Conversation, Role.Assistant, c.Options)
                : renderer.RenderConversation(c.Conversation, c.Options);
            Assert.Equal(expected, actual);
            Assert.Equal(ReferenceConversations.ExpectedText(c.File), Tokenizer.Decode(actual));
        }
    }

    [Fact]
    public void ConstrainMarkerInTheContentTypeIsItsSpecialToken()
    {
        // test_tool_call_with_constrain_tokenized_correctly: rendering equals the text tokenized with specials allowed.
        const string text = "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"location\": \"Tokyo\"}<|call|>";
        var message = Message.Assistant("{\"location\": \"Tokyo\"}").WithChannel("commentary")
            .WithRecipient("functions.get_weather").WithContentType("<|constrain|>json");
        var rendered = HarmonyRenderer.Default.RenderConversation(Conversation.FromMessages(message));
        Assert.Equal(Tokenizer.EncodeToIds(text, allowSpecialTokens: true), rendered);
        Assert.Contains(HarmonyTokens.Constrain, rendered);
    }

    [Fact]
    public void RenderAndRenderConversationAgreeForOneMessage()
    {
        // test_render_and_render_conversation_roundtrip
        var message = Message.User("Hello");
        var conversation = Conversation.FromMessages(message);
        var single = HarmonyRenderer.Default.Render(message);
        var whole = HarmonyRenderer.Default.RenderConversation(conversation);
        Assert.Equal(single, whole);
        var completion = HarmonyRenderer.Default.RenderConversationForCompletion(conversation, Role.Assistant);
        Assert.Equal(whole, completion[..whole.Length]);
    }

    [Fact]
    public void TrainingEndsAFinalAnswerWithReturn()
    {
        // test_render_conversation_for_training_final_channel
        var conversation = Conversation.FromMessages(Message.User("hi"), Message.Assistant("hello").WithChannel("final"));
        var training = HarmonyRenderer.Default.RenderConversationForTraining(conversation);
        var regular = HarmonyRenderer.Default.RenderConversation(conversation);
        Assert.Equal(regular[..^1], training[..^1]);
        Assert.Equal(HarmonyTokens.End, regular[^1]);
        Assert.Equal(HarmonyTokens.Return, training[^1]);
    }

    [Fact]
    public void TrainingLeavesOtherConversationsAlone()
    {
        // test_render_conversation_for_training_non_final
        var conversation = Conversation.FromMessages(Message.User("hi"));
        Assert.Equal(HarmonyRenderer.Default.RenderConversation(conversation), HarmonyRenderer.Default.RenderConversationForTraining(conversation));
    }

    [Fact]
    public void ToolResponseRendersToTheReferenceFileIds()
    {
        // test_tool_response_parsing: render(message) without its <|end|> decodes to the file.
        var message = Message.FromAuthor(Author.Tool("browser.search"), "{\"result\": \"https://openai.com/\"}")
            .WithChannel("commentary").WithRecipient("assistant");
        var tokens = HarmonyRenderer.Default.Render(message);
        Assert.Equal(HarmonyTokens.End, tokens[^1]);
        var expectedText = ReferenceConversations.ExpectedText("test_tool_response_parsing.txt");
        Assert.Equal(Tokenizer.EncodeToIds(expectedText, allowSpecialTokens: true), tokens[..^1]);
    }
}
