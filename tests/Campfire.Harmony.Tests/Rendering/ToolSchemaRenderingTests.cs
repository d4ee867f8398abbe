using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Harmony.Tests.Rendering;

/// <summary>The reference's JSON-Schema-to-TypeScript rules, one quirk per test.</summary>
public class ToolSchemaRenderingTests
{
    private static string Ts(string schema) => JsonSchemaTypeScript.Convert(RenderTestData.Json(schema));

    [Theory]
    [InlineData("""{"type": "string"}""", "string")]
    [InlineData("""{"type": "integer"}""", "number")]
    [InlineData("""{"type": "number"}""", "number")]
    [InlineData("""{"type": "boolean"}""", "boolean")]
    [InlineData("""{"type": "null"}""", "any")]
    [InlineData("""{}""", "any")]
    [InlineData("""true""", "any")]
    [InlineData("""{"type": ["integer", "string", 3]}""", "number | string")]
    [InlineData("""{"type": [1, 2]}""", "any")]
    [InlineData("""{"type": "array"}""", "Array<any>")]
    [InlineData("""{"type": "array", "items": {"type": "integer"}}""", "number[]")]
    [InlineData("""{"type": "array", "items": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}}}""", "\"x\" | \"y\"[][]")]
    [InlineData("""{"type": "string", "enum": ["a", 1, "b<|end|>"]}""", "\"a\" | \"b<|end|>\"")]
    [InlineData("""{"type": "string", "enum": [1, 2]}""", "string")]
    [InlineData("""{"anyOf": [{"type": "string"}, {"type": "number"}]}""", "any")]
    [InlineData("""{"oneOf": "not an array", "type": "string"}""", "string")]
    [InlineData("""{"oneOf": "not an array"}""", "any")]
    public void MapsTypes(string schema, string expected) => Assert.Equal(expected, Ts(schema));

    [Fact]
    public void TopLevelOneOfPutsEachVariantOnItsOwnLine()
    {
        Assert.Equal(
            "\n | string // a word default: \"x\"\n | number | null // default: 1.5\n | \"p\" | \"q\" // default: \"p\"",
            Ts("""{"oneOf": [{"type": "string", "description": "a word", "default": "x"}, {"type": "number", "nullable": true, "default": 1.5}, {"type": "string", "enum": ["p", "q"], "default": "p"}]}"""));
    }

    [Fact]
    public void NestedObjectsIndentPropertiesFourSpacesAndCloseAtTheirOwnIndent()
    {
        var expected = """
            {
            outer: {
                inner?: {
                    leaf: boolean,
                    },
                },
            }
            """.Replace("\r\n", "\n");
        Assert.Equal(expected, Ts("""
            {"type": "object", "required": ["outer"], "properties": {
              "outer": {"type": "object", "properties": {
                "inner": {"type": "object", "required": ["leaf"], "properties": {"leaf": {"type": "boolean"}}}}}}}
            """));
    }

    [Fact]
    public void PropertyCommentsDefaultsNullableAndOptionalMarks()
    {
        var expected = """
            {
            // Title
            //
            // What it is
            // Examples:
            // - "one"
            a: string, // default: "d"
            b?: "x" | "y", // default: x
            c?: number | null, // default: 3
            d?: string | null,
            e?: Array<any>, // default: [1,"two",{"k":null}]
            }
            """.Replace("\r\n", "\n");
        Assert.Equal(expected, Ts("""
            {"type": "object", "required": ["a", 42], "properties": {
              "a": {"type": "string", "title": "Title", "description": "What it is", "examples": ["one", 2], "default": "d"},
              "b": {"type": "string", "enum": ["x", "y"], "default": "x"},
              "c": {"type": "integer", "nullable": true, "default": 3},
              "d": {"type": ["string", "null"], "nullable": true},
              "e": {"type": "array", "default": [1, "two", {"k": null}]}}}
            """));
    }

    [Fact]
    public void OneOfPropertyShowsItsDescriptionOnceAndItsVariantsBelowTheName()
    {
        // "q": the first variant repeats the property's description, so it is shown nowhere; an object variant's own
        // description appears both above its brace (at the variant indent) and as a trailing comment, as in the reference.
        var expected = """
            {
            // Shared
            // default: 20
            p?:
             | string // default: "s"
             | number // numbers
            ,
            // default: "z"
            q:
             | boolean
             |    // obj
            {
               r?: string,
               } // obj
            ,
            }
            """.Replace("\r\n", "\n");
        Assert.Equal(expected, Ts("""
            {"type": "object", "required": ["q"], "properties": {
              "p": {"description": "Shared", "default": 20,
                    "oneOf": [{"type": "string", "default": "s", "description": "ignored when described above"}, {"type": "number", "description": "numbers"}]},
              "q": {"description": "Shared too", "default": "z",
                    "oneOf": [{"type": "boolean", "description": "Shared too"}, {"type": "object", "description": "obj", "properties": {"r": {"type": "string"}}}]}}}
            """));
    }

    [Fact]
    public void ObjectDescriptionGoesAboveTheBraceAtTheCurrentIndent()
    {
        Assert.Equal("// params\n{\n}", Ts("""{"type": "object", "description": "params"}"""));
        Assert.Equal("// params\n{\nx?: any,\n}", Ts("""{"type": "object", "description": "params", "properties": {"x": {}}}"""));
    }

    [Fact]
    public void RepeatedPropertyKeepsItsFirstPlaceAndLastValue()
    {
        Assert.Equal("{\na?: number,\nb?: string,\n}",
            Ts("""{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "a": {"type": "number"}}}"""));
    }

    [Fact]
    public void RepeatedPropertyInALargeObjectKeepsItsFirstPlaceAndLastValue()
    {
        var properties = string.Join(", ", Enumerable.Range(0, 40).Select(i => $"\"p{i}\": {{\"type\": \"string\"}}"));
        var schema = "{\"type\": \"object\", \"properties\": {\"p3\": {\"type\": \"boolean\"}, " + properties + ", \"p3\": {\"type\": \"number\"}}}";
        var expected = "{\n" + string.Concat(Enumerable.Range(0, 40).Select(i => i == 3 ? "" : $"p{i}?: string,\n")).Insert(0, "p3?: number,\n") + "}";
        Assert.Equal(expected, Ts(schema));
    }

    [Theory]
    [InlineData("10", "10")]
    [InlineData("-7", "-7")]
    [InlineData("-0", "-0.0")]
    [InlineData("0", "0")]
    [InlineData("10.0", "10.0")]
    [InlineData("2.50", "2.5")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e2", "100.0")]
    [InlineData("1e15", "1000000000000000.0")]
    [InlineData("1e16", "1e16")]
    [InlineData("1e21", "1e21")]
    [InlineData("1.5e-7", "1.5e-7")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "0.00001")]
    [InlineData("0.000001", "1e-6")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("18446744073709551616", "1.8446744073709552e19")]
    [InlineData("-9223372036854775809", "-9.223372036854776e18")]
    [InlineData("123456.789e3", "123456789.0")]
    public void NumbersAreShownAsSerdeJsonShowsThem(string raw, string expected)
    {
        var builder = new StringBuilder();
        SerdeJsonFormatter.AppendNumber(builder, raw);
        Assert.Equal(expected, builder.ToString());
    }

    [Fact]
    public void StringsAreEscapedAsSerdeJsonEscapesThem()
    {
        Assert.Equal("[\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\u007f é 🔥 </\"]",
            SerdeJsonFormatter.Format(RenderTestData.Json("[\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\\u007f é 🔥 </\"]")));
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("a", new[] { "a" })]
    [InlineData("a\n", new[] { "a" })]
    [InlineData("a\n\n", new[] { "a", "" })]
    [InlineData("a\r\nb\r", new[] { "a", "b\r" })]
    [InlineData("\n", new[] { "" })]
    [InlineData("\r\n", new[] { "" })]
    public void DescriptionLinesSplitLikeRustLines(string text, string[] lines) =>
        Assert.Equal(lines, ContentText.RustLines(text));

    [Fact]
    public void NamespaceWithoutToolsShowsItsDescriptionAsPlainText()
    {
        var ns = new ToolNamespaceConfig("notes", "Line one\nLine two", []);
        Assert.Equal("## notes\n\nLine one\nLine two", ContentText.Namespace(ns));
    }

    [Fact]
    public void NamespaceTextIsBuiltOncePerInstance()
    {
        var ns = new ToolNamespaceConfig("functions", "desc", RenderTestData.Weather);
        Assert.Same(ContentText.Namespace(ns), ContentText.Namespace(ns));
    }

    [Fact]
    public void NamespacesRenderInKeyOrder()
    {
        var developer = new DeveloperContent()
            .WithTools(new ToolNamespaceConfig("zeta", null, new ToolDescription("z", "")))
            .WithTools(new ToolNamespaceConfig("alpha", null, new ToolDescription("a", "")));
        var text = ContentText.Developer(developer);
        Assert.Equal("# Tools\n\n## alpha\n\nnamespace alpha {\n\ntype a = () => any;\n\n} // namespace alpha\n\n## zeta\n\nnamespace zeta {\n\ntype z = () => any;\n\n} // namespace zeta", text);
    }
}
