using Campfire.Harmony.Engine;
using Campfire.Harmony.Model;
using Campfire.Harmony.Testing;
using Campfire.Harmony.Tools;
using static Campfire.Harmony.Tests.Engine.EngineTestKit;

namespace Campfire.Harmony.Tests.Constraints;

/// <summary>EngineRunOptions.Constrain with the scripted model, which checks every scripted token against the constraint
/// it is handed: a run passes only when the whole script is inside the grammar.</summary>
public sealed class ConstrainedEngineRunTests
{
    [Fact]
    public async Task ConstrainedRunOfAValidScriptCallsTheToolAndAnswers()
    {
        var calls = new List<ToolCall>();
        var engine = WeatherAndTimeEngine(calls);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>",
            OsloFinalAnswer);

        var events = await Collect(engine.RunAsync(model, new EngineRunOptions { Constrain = true }));

        Assert.Equal("functions.get_weather", Assert.Single(calls).Recipient);
        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
        Assert.Empty(events.OfType<ParseDiagnostic>());
    }

    [Fact]
    public async Task ConstrainedRunRejectsAScriptedCallWithAMissingRequiredArgument()
    {
        var engine = WeatherAndTimeEngine([]);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{}<|call|>", OsloFinalAnswer);

        var error = await Assert.ThrowsAsync<ScriptRejectedByConstraintException>(
            () => Collect(engine.RunAsync(model, new EngineRunOptions { Constrain = true })));

        Assert.Equal(1, error.Turn);
        Assert.Contains("}", Decode([error.Token])); // the object cannot close before "city"
    }

    [Fact]
    public async Task UnconstrainedRunLetsTheSameScriptThrough()
    {
        var engine = WeatherAndTimeEngine([]);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{}<|call|>", OsloFinalAnswer);

        var events = await Collect(engine.RunAsync(model));

        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public async Task ConstrainedRunStartsAfterTheForcedHeaderOfARequiredCall()
    {
        var calls = new List<ToolCall>();
        var engine = WeatherAndTimeEngine(calls);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary <|constrain|>json<|message|>{\"city\": \"Oslo\"}<|call|>", OsloFinalAnswer);

        var events = await Collect(engine.RunAsync(model, new EngineRunOptions { Constrain = true, RequiredToolCall = "functions.get_weather" }));

        Assert.Equal("""{"city": "Oslo"}""", Assert.Single(calls).Args);
        Assert.Equal(StopReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public async Task ConstrainedRunRefusesAnUnregisteredRecipient()
    {
        var engine = WeatherAndTimeEngine([]);
        var model = ScriptedTokenGenerator.FromHarmonyText(
            "<|channel|>commentary to=functions.get_news<|message|>{}<|call|>", OsloFinalAnswer);

        await Assert.ThrowsAsync<ScriptRejectedByConstraintException>(
            () => Collect(engine.RunAsync(model, new EngineRunOptions { Constrain = true })));
    }
}
