using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Harmony.Tests.Conformance;

/// <summary>The reference's rendering tests, compared as Harmony text with its expected files.</summary>
public class ReferenceTextConformanceTests
{
    [Theory]
    [MemberData(nameof(ReferenceConversations.Cases), MemberType = typeof(ReferenceConversations))]
    public void RendersTheReferenceTestConversationAsItsExpectedText(ReferenceCase c)
    {
        Assert.Equal(ReferenceConversations.ExpectedText(c.File), ReferenceConversations.RenderText(c));
    }

    [Fact]
    public void ToolResponseMessageRendersAsTheReferenceFileWithoutItsEnd()
    {
        var message = Message.FromAuthor(Author.Tool("browser.search"), "{\"result\": \"https://openai.com/\"}")
            .WithChannel("commentary").WithRecipient("assistant");
        var text = HarmonyTextRenderer.Render(message);
        Assert.EndsWith("<|end|>", text);
        Assert.Equal(ReferenceConversations.ExpectedText("test_tool_response_parsing.txt"), text[..^"<|end|>".Length].TrimEnd());
    }
}
