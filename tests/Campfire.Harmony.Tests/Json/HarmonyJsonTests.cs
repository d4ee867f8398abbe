using System.Collections.Immutable;
using System.Text.Json;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tests.Json;

public class HarmonyJsonTests
{
    private const string ReferenceExample = """
        {
          "messages": [
            {"role": "system", "content": [{"type": "system_content",
              "model_identity": "You are ChatGPT, a large language model trained by OpenAI.",
              "reasoning_effort": "Low", "knowledge_cutoff": "2024-06", "conversation_start_date": "2026-01-15",
              "channel_config": {"valid_channels": ["analysis", "commentary", "final"], "channel_required": true}}]},
            {"role": "developer", "content": [{"type": "developer_content",
              "instructions": "Answer briefly.",
              "tools": {"functions": {"name": "functions", "tools": [
                {"name": "get_weather", "description": "Current weather for a city.",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}}}]},
            {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
            {"role": "assistant", "channel": "analysis", "content": [{"type": "text", "text": "Call the weather tool."}]},
            {"role": "assistant", "channel": "commentary", "recipient": "functions.get_weather",
             "content_type": "<|constrain|>json", "content": [{"type": "text", "text": "{\"city\": \"Oslo\"}"}]},
            {"role": "tool", "name": "functions.get_weather", "recipient": "assistant", "channel": "commentary",
             "content": [{"type": "text", "text": "{\"temp_c\": -3}"}]},
            {"role": "assistant", "channel": "final", "content": "It is -3 °C in Oslo."}
          ]
        }
        """;

    [Fact]
    public void ReadsTheReferenceShape()
    {
        var conversation = HarmonyJson.ParseConversation(ReferenceExample);

        Assert.Equal(7, conversation.Count);
        var system = Assert.IsType<SystemContent>(Assert.Single(conversation[0].Content));
        Assert.Equal(ReasoningEffort.Low, system.ReasoningEffort);
        Assert.Equal("2026-01-15", system.ConversationStartDate);
        Assert.Equal(ChannelConfig.Default, system.ChannelConfig);
        Assert.Null(system.Tools);
        var developer = Assert.IsType<DeveloperContent>(Assert.Single(conversation[1].Content));
        Assert.Equal("Answer briefly.", developer.Instructions);
        var tool = Assert.Single(developer.Tools!["functions"].Tools);
        Assert.Equal("get_weather", tool.Name);
        Assert.Equal(JsonValueKind.Object, tool.Parameters!.Value.ValueKind);
        Assert.Equal(new Author(Role.Tool, "functions.get_weather"), conversation[5].Author);
        Assert.Equal("assistant", conversation[5].Recipient);
        Assert.Equal("<|constrain|>json", conversation[4].ContentType);
        Assert.Equal("It is -3 °C in Oslo.", Assert.IsType<TextContent>(Assert.Single(conversation[6].Content)).Text);
    }

    [Fact]
    public void MissingSystemContentFieldsAreAbsentNotDefaults()
    {
        var message = HarmonyJson.ParseMessage("""{"role": "system", "content": [{"type": "system_content"}]}""");
        Assert.Equal(SystemContent.Empty, Assert.IsType<SystemContent>(Assert.Single(message.Content)));
    }

    [Fact]
    public void WritesASingleTextPartAsAPlainStringInTheReferenceFieldOrder()
    {
        var message = Message.Tool("functions.f", "done").WithRecipient("assistant").WithChannel("commentary").WithContentType("json");
        Assert.Equal(
            """{"role":"tool","name":"functions.f","recipient":"assistant","content":"done","channel":"commentary","content_type":"json"}""",
            HarmonyJson.SerializeMessage(message));
    }

    [Fact]
    public void WritesSeveralPartsAsTypedList()
    {
        var message = Message.FromRole(Role.User, new TextContent("a"), new TextContent("b"));
        Assert.Equal("""{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}""", HarmonyJson.SerializeMessage(message));
    }

    [Fact]
    public void RoundTripsEveryField()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"x":{"type":"number","default":1.5}}}""").RootElement;
        var conversation = Conversation.FromMessages(
            Message.System(new SystemContent().WithConversationStartDate("2025-01-01").WithReasoningEffort(ReasoningEffort.High)
                .WithBrowserTool().WithPythonTool().WithChannelConfig(new ChannelConfig(["analysis", "final"], false))),
            Message.Developer(new DeveloperContent().WithInstructions("Be nice <|end|>")
                .WithFunctionTools(new ToolDescription("f", "does f", schema), new ToolDescription("g", "no params"))),
            Message.User("héllo 東京 🔥"),
            Message.Assistant("thinking").WithChannel("analysis"),
            Message.Assistant("{}").WithChannel("commentary").WithRecipient("functions.f").WithContentType("<|constrain|>json"),
            Message.Tool("functions.f", "ok").WithRecipient("assistant").WithChannel("commentary"),
            new Message(new Author(Role.User, "alice"), []));

        var json = HarmonyJson.SerializeConversation(conversation);
        Assert.Equal(conversation, HarmonyJson.ParseConversation(json));
        Assert.Equal(conversation, HarmonyJson.ParseConversation(HarmonyJson.SerializeConversation(conversation, indented: true)));
    }

    [Fact]
    public void SourceGeneratedContextUsesTheSameShape()
    {
        var conversation = HarmonyJson.ParseConversation(ReferenceExample);
        var json = JsonSerializer.Serialize(conversation, HarmonyJsonContext.Default.Conversation);
        Assert.Equal(conversation, HarmonyJson.ParseConversation(json));
        Assert.Equal(conversation, JsonSerializer.Deserialize(json, HarmonyJsonContext.Default.Conversation));
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assitant", "content": "b"}]}""", "$.messages[1].role: unknown role \"assitant\"")]
    [InlineData("""{"message": []}""", "$: missing required field \"messages\"")]
    [InlineData("""[]""", "$: expected a conversation object")]
    [InlineData("""{"messages": {}}""", "$.messages: expected an array of messages, found an object")]
    [InlineData("""{"messages": [{"content": "x"}]}""", "$.messages[0]: missing required field \"role\"")]
    [InlineData("""{"messages": [{"role": 3, "content": "x"}]}""", "$.messages[0].role: expected a role string, found the number 3")]
    [InlineData("""{"messages": [{"role": "user"}]}""", "$.messages[0]: missing required field \"content\"")]
    [InlineData("""{"messages": [{"role": "user", "content": 5}]}""", "$.messages[0].content: expected a string or an array of content parts")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image"}]}]}""", "$.messages[0].content[0].type: unknown content type \"image\"")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "text"}]}]}""", "$.messages[0].content[0]: missing required field \"text\"")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"text": "x"}]}]}""", "$.messages[0].content[0]: missing required field \"type\"")]
    [InlineData("""{"messages": [{"role": "user", "channel": 1, "content": "x"}]}""", "$.messages[0].channel: expected a string or null, found the number 1")]
    [InlineData("""{"messages": [{"role": "system", "content": [{"type": "system_content", "reasoning_effort": "low"}]}]}""", "$.messages[0].content[0].reasoning_effort: unknown reasoning effort \"low\"")]
    [InlineData("""{"messages": [{"role": "system", "content": [{"type": "system_content", "channel_config": {"valid_channels": ["a", 2], "channel_required": true}}]}]}""", "$.messages[0].content[0].channel_config.valid_channels[1]: expected a string, found the number 2")]
    [InlineData("""{"messages": [{"role": "system", "content": [{"type": "system_content", "channel_config": {"valid_channels": []}}]}]}""", "$.messages[0].content[0].channel_config: missing required field \"channel_required\"")]
    [InlineData("""{"messages": [{"role": "developer", "content": [{"type": "developer_content", "tools": {"functions": {"name": "functions"}}}]}]}""", "$.messages[0].content[0].tools.functions: missing required field \"tools\"")]
    [InlineData("""{"messages": [{"role": "developer", "content": [{"type": "developer_content", "tools": {"my ns": {"name": "x", "tools": [{"name": "f"}]}}}]}]}""", "$.messages[0].content[0].tools['my ns'].tools[0]: missing required field \"description\"")]
    [InlineData("""{"messages": [""", "$: not valid JSON at line 1")]
    [InlineData("", "$: not valid JSON")]
    public void BadJsonNamesThePathAndWhatWasExpected(string json, string expectedStart)
    {
        var error = Assert.Throws<HarmonyJsonException>(() => HarmonyJson.ParseConversation(json));
        Assert.StartsWith(expectedStart, error.Message);
        Assert.IsAssignableFrom<HarmonyException>(error);
    }

    [Fact]
    public void NullOptionalFieldsCountAsAbsent()
    {
        var message = HarmonyJson.ParseMessage("""{"role": "assistant", "name": null, "channel": null, "recipient": null, "content_type": null, "content": "x"}""");
        Assert.Equal(Message.Assistant("x"), message);
    }

    [Fact]
    public void NamespaceMapKeysAreOrderedByCodePoint()
    {
        var map = ToolNamespaceMap.Of(
            new ToolNamespaceConfig("\uFF21", null, ImmutableArray<ToolDescription>.Empty),
            new ToolNamespaceConfig("\U0001F525", null, ImmutableArray<ToolDescription>.Empty),
            new ToolNamespaceConfig("b", null, ImmutableArray<ToolDescription>.Empty),
            new ToolNamespaceConfig("B", null, ImmutableArray<ToolDescription>.Empty));
        Assert.Equal(["B", "b", "\uFF21", "\U0001F525"], map.Keys);
    }
}
