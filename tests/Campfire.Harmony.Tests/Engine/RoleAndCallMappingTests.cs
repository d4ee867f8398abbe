using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Parsing;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Tests.Engine;

public sealed class RoleAndCallMappingTests
{
    [Fact]
    public void Every_engine_role_maps_to_the_reference_role_of_the_same_name_and_back()
    {
        foreach (var role in Enum.GetValues<HarmonyRole>())
        {
            var reference = role.ToReferenceRole();
            Assert.Equal(role.ToString().ToLowerInvariant(), reference.ToWireName());
            Assert.Equal(role, reference.ToEngineRole());
        }
        Assert.Equal(Enum.GetValues<HarmonyRole>().Length, Enum.GetValues<Role>().Length);
    }

    [Fact]
    public void Undefined_roles_are_refused_in_both_directions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((HarmonyRole)42).ToReferenceRole());
        Assert.Throws<ArgumentOutOfRangeException>(() => ((Role)42).ToEngineRole());
    }

    [Theory]
    [InlineData("functions.get_weather", true)]
    [InlineData("browser.search", true)]
    [InlineData("python", true)]
    [InlineData("assistant", false)]
    [InlineData("all", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_assistant_messages_to_a_tool_recipient_are_calls(string? recipient, bool isCall)
    {
        Assert.Equal(isCall, ToolCall.IsCall(Message.Assistant("{}").WithRecipient(recipient)));
        Assert.False(ToolCall.IsCall(Message.User("{}").WithRecipient(recipient)));
    }

    [Fact]
    public void The_parser_and_the_engine_find_the_same_calls_in_a_completion()
    {
        const string completion =
            "<|channel|>analysis<|message|>Think.<|end|>" +
            "<|start|>assistant to=all<|channel|>commentary<|message|>Hello everyone.<|end|>" +
            "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Oslo\"}<|call|>";
        var ids = O200kHarmonyTokenizer.Instance.EncodeToIds(completion, allowSpecialTokens: true);

        var parsed = HarmonyCompletionParser.Parse(ids, Role.Assistant, ParseMode.NonStrict);
        var engine = new HarmonyEngine().ParseCompletion(ids);

        var fromParser = Assert.Single(parsed.ToolCalls);
        var fromEngine = Assert.Single(engine.ToolCalls);
        Assert.Equal(fromParser.Recipient, fromEngine.Recipient);
        Assert.Equal(fromParser.Args, fromEngine.Args);
        Assert.Equal("get_weather", fromEngine.Method);
        Assert.Equal(2, fromParser.MessageIndex);
    }
}
