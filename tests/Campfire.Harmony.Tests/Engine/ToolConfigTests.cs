using Campfire.Harmony.Engine;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Tests.Engine;

public sealed class ToolConfigTests
{
    [Fact]
    public void Function_tool_is_registered_under_the_functions_namespace()
    {
        var config = ToolConfig.Function("get_weather", "Weather.", EngineTestKit.WeatherSchema);
        Assert.Equal("functions.get_weather", config.RecipientPrefix);
        Assert.Equal("functions", config.Namespace);
        Assert.False(config.IsBuiltIn);
        Assert.False(config.IsNamespace);
        Assert.True(config.Matches("functions.get_weather"));
        Assert.False(config.Matches("functions.get_weather2"));
        Assert.Equal("object", config.Definition.Parameters!.Value.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("1tool")]
    [InlineData("functions.get weather")]
    [InlineData("a.b.c")]
    [InlineData("functions.")]
    [InlineData(".x")]
    public void Malformed_recipient_prefixes_are_rejected_with_the_reason(string prefix)
    {
        var error = Assert.Throws<ArgumentException>(() => new ToolConfig(prefix, new ToolDefinition("x")));
        Assert.Equal("recipientPrefix", error.ParamName);
    }

    [Fact]
    public void Prefix_and_definition_name_must_agree()
    {
        var error = Assert.Throws<ArgumentException>(() => new ToolConfig("functions.a", new ToolDefinition("b")));
        Assert.Contains("names 'a' but the definition is called 'b'", error.Message);
    }

    [Fact]
    public void The_bare_functions_namespace_cannot_be_registered() =>
        Assert.Contains("one by one", Assert.Throws<ArgumentException>(() => new ToolConfig("functions", new ToolDefinition("functions"))).Message);

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("""{"type": "string"}""", "must have \"type\": \"object\"")]
    [InlineData("""{"properties": {}}""", "must have \"type\": \"object\"")]
    [InlineData("""{"type": "object", "properties": []}""", "parameters.properties must be an object")]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "strin"}}}""", "parameters.properties.a.type '\"strin\"' is not a JSON-Schema type")]
    [InlineData("""{"type": "object", "properties": {"a": 5}}""", "parameters.properties.a must be a JSON object")]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}""", "names 'b', which is not in properties")]
    [InlineData("""{"type": "object", "required": "a"}""", "required must be an array")]
    [InlineData("""{"type": "object", "properties": {"a": {"type": "array", "items": {"type": 7}}}}""", "items.type '7'")]
    [InlineData("""{"type": "object", "properties": {"a": {"oneOf": {"type": "string"}}}}""", "oneOf must be an array")]
    [InlineData("""{"type": "object", "properties": {"a": {"enum": "x"}}}""", "enum must be an array")]
    public void Malformed_parameter_schemas_are_rejected_with_the_path(string schema, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ToolConfig.Function("t", "d", schema));
        Assert.Contains(expected, error.Message);
        Assert.Contains("tool 't'", error.Message);
    }

    [Fact]
    public void Rich_schemas_are_accepted()
    {
        const string schema = """
            {"type": "object", "properties": {
              "unit": {"type": "string", "enum": ["c", "f"], "default": "c"},
              "days": {"type": ["integer", "null"]},
              "where": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]},
              "tags": {"type": "array", "items": {"type": "string"}},
              "either": {"oneOf": [{"type": "string"}, {"type": "number"}]}},
             "required": ["unit"]}
            """;
        Assert.NotNull(ToolConfig.Function("forecast", "d", schema).Definition.Parameters);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("9lives")]
    public void Tool_names_are_checked(string name) =>
        Assert.Throws<ArgumentException>(() => new ToolDefinition(name));

    [Fact]
    public void Registering_the_same_tool_twice_is_rejected()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(ToolConfig.Function("get_weather", "d", EngineTestKit.WeatherSchema));
        var error = Assert.Throws<ArgumentException>(() => engine.RegisterTool(ToolConfig.Function("get_weather", "other", null)));
        Assert.Contains("already registered", error.Message);
        Assert.Single(engine.Tools);
    }

    [Fact]
    public void A_namespace_and_a_method_in_it_cannot_both_be_registered()
    {
        var engine = new HarmonyEngine();
        engine.RegisterTool(new BrowserTool(InMemorySearchBackend.FirstAid()).CreateConfig());
        var error = Assert.Throws<ArgumentException>(() => engine.RegisterTool(new ToolConfig("browser.search", new ToolDefinition("search"))));
        Assert.Contains("overlaps", error.Message);
    }

    [Fact]
    public void A_namespace_needs_methods_and_unique_method_names()
    {
        var engine = new HarmonyEngine();
        Assert.Contains("at least one method", Assert.Throws<ArgumentException>(() => engine.RegisterTool(new ToolConfig("mytools", new ToolDefinition("mytools")))).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            new ToolConfig("mytools", new ToolDefinition("mytools")) { Methods = [new("a"), new("a")] }).Message);
    }

    [Fact]
    public void Namespace_registration_matches_its_methods_only()
    {
        var config = new BrowserTool(InMemorySearchBackend.FirstAid()).CreateConfig();
        Assert.True(config.IsBuiltIn);
        Assert.True(config.IsNamespace);
        Assert.True(config.Matches("browser.search"));
        Assert.False(config.Matches("browser"));
        Assert.False(config.Matches("browserx.search"));
        Assert.Equal(["search", "open", "find"], config.Methods.Select(m => m.Name));
    }
}
