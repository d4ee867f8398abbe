using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tools;
using static Campfire.Harmony.Tests.Engine.EngineTestKit;

namespace Campfire.Harmony.Tests.Engine;

public sealed class RequiredToolCallTests
{
    [Fact]
    public async Task A_required_tool_is_prefilled_as_the_recipient_and_the_model_only_writes_the_arguments()
    {
        var calls = new List<ToolCall>();
        var engine = WeatherAndTimeEngine(calls);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>", OsloFinalAnswer);

        var events = await Collect(engine.RunAsync(model, new EngineRunOptions { RequiredToolCall = "functions.get_weather" }));

        Assert.EndsWith("<|start|>assistant to=functions.get_weather", Decode(model.Prompts[0]));
        var call = Assert.Single(calls);
        Assert.Equal(("functions.get_weather", """{"city": "Oslo"}"""), (call.Recipient, call.Args));
        Assert.Equal("""{"city": "Oslo"}""", string.Concat(events.OfType<ContentDelta>()
            .Where(d => d.Round == 1 && d.Recipient == "functions.get_weather").Select(d => d.Text)));
        // Only the first turn is forced: after the result the model answers freely.
        Assert.EndsWith("<|start|>assistant", Decode(model.Prompts[1]));
        Assert.Contains("<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>", Decode(model.Prompts[1]));
        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
        Assert.Equal(model.Prompts.Sum(p => p.Length), ((RunCompleted)events[^1]).Usage.PromptTokens);
    }

    [Fact]
    public async Task Any_tool_of_a_namespace_leaves_the_method_to_the_model()
    {
        var calls = new List<ToolCall>();
        var engine = WeatherAndTimeEngine(calls);
        var model = ScriptedTokenGenerator.FromHarmonyText(".get_time<|channel|>commentary<|message|>{}<|call|>", OsloFinalAnswer);

        await Collect(engine.RunAsync(model, new EngineRunOptions { RequiredToolCall = "functions." }));

        Assert.EndsWith("<|start|>assistant to=functions", Decode(model.Prompts[0]));
        Assert.Equal("functions.get_time", Assert.Single(calls).Recipient);
    }

    [Theory]
    [InlineData("functions.get_news", "is not a registered tool")]
    [InlineData("browser.", "no tool of namespace 'browser'")]
    [InlineData(".", "no tool of namespace ''")]
    [InlineData("functions", "is not a registered tool")]
    public async Task A_required_tool_that_is_not_registered_is_refused_before_generating(string required, string expected)
    {
        var engine = WeatherAndTimeEngine([]);
        var model = ScriptedTokenGenerator.FromHarmonyText(OsloFinalAnswer);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Collect(engine.RunAsync(model, new EngineRunOptions { RequiredToolCall = required })));

        Assert.Contains(expected, error.Message);
        Assert.Empty(model.Prompts);
        Assert.Single(engine.Messages);
    }
}
