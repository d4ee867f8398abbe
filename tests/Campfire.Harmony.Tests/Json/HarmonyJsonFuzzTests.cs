using System.Text;
using CsCheck;
using Campfire.Harmony.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Harmony.Tests.Json;

/// <summary>Damaged JSON is either read or refused with our exception, never anything else; what is read renders or is refused.</summary>
public class HarmonyJsonFuzzTests
{
    private const string Seed = """
        {"messages": [
          {"role": "system", "content": [{"type": "system_content", "model_identity": "M", "reasoning_effort": "High",
            "channel_config": {"valid_channels": ["analysis", "final"], "channel_required": true},
            "tools": {"browser": {"name": "browser", "description": "d", "tools": [{"name": "search", "description": "s",
              "parameters": {"type": "object", "properties": {"q": {"type": "string", "default": "x"}, "n": {"type": ["integer", "null"], "default": 1.5e3}}, "required": ["q"]}}]}}}]},
          {"role": "developer", "content": [{"type": "developer_content", "instructions": "i",
            "tools": {"functions": {"name": "functions", "tools": [{"name": "f", "description": "", "parameters": {"oneOf": [{"type": "string"}, {"type": "number", "nullable": true}]}}]}}}]},
          {"role": "user", "name": "u", "content": "héllo \u00e9 <|end|>"},
          {"role": "assistant", "channel": "commentary", "recipient": "functions.f", "content_type": "<|constrain|>json", "content": [{"type": "text", "text": "{}"}]},
          {"role": "tool", "name": "functions.f", "recipient": "assistant", "content": "ok"}
        ]}
        """;

    private static readonly string[] Insertions = ["{", "}", "[", "]", "\"", ",", ":", "null", "true", "1e999", "\\ud800", "\\u0000", "\"role\"", "\"tool\"", "\"type\"", "-", "\u00e9", "🔥"];

    private static readonly Gen<string> Damaged =
        Gen.Select(Gen.Int[0, Seed.Length - 1], Gen.Int[0, 3], Gen.Int[1, 12], Gen.Int[0, Insertions.Length - 1])
            .Select(t =>
            {
                var (at, kind, length, insertion) = t;
                var text = new StringBuilder(Seed);
                switch (kind)
                {
                    case 0: text.Remove(at, Math.Min(length, text.Length - at)); break;
                    case 1: text.Insert(at, Insertions[insertion]); break;
                    case 2: text.Remove(at, Math.Min(length, text.Length - at)).Insert(at, Insertions[insertion]); break;
                    default: text.Length = at; break;
                }
                return text.ToString();
            });

    [Fact]
    public void DamagedJsonIsReadOrRefusedWithOurException()
    {
        var renderer = new HarmonyRenderer(Campfire.Harmony.Tokenization.O200kHarmonyTokenizer.Instance, cacheMessageTokens: false);
        int read = 0, refused = 0;
        Damaged.Sample(json =>
        {
            Conversation conversation;
            try
            {
                conversation = HarmonyJson.ParseConversation(json);
            }
            catch (HarmonyJsonException e)
            {
                Assert.StartsWith("$", e.Message);
                refused++;
                return;
            }
            read++;
            try
            {
                renderer.RenderConversationForCompletion(conversation, Role.Assistant);
            }
            catch (HarmonyRenderException)
            {
            }
            Assert.Equal(conversation, HarmonyJson.ParseConversation(HarmonyJson.SerializeConversation(conversation)));
        }, seed: "0N0XIzNsQ0O2", iter: 3000, threads: 1);
        Assert.True(read > 100 && refused > 100, $"read {read}, refused {refused}");
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "\ud800"}]}""", "$.messages[0].content")]
    [InlineData("""{"messages": [{"role": "developer", "content": [{"type": "developer_content", "tools": {"functions": {"name": "functions", "tools": [{"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"\udc00x": {"type": "string"}}}}]}}}]}]}""", "$.messages[0].content[0].tools.functions.tools[0].parameters.properties")]
    [InlineData("""{"messages": [{"role": "developer", "content": [{"type": "developer_content", "tools": {"functions": {"name": "functions", "tools": [{"name": "f", "description": "d", "parameters": {"enum": ["a\ud800"]}}]}}}]}]}""", "$.messages[0].content[0].tools.functions.tools[0].parameters.enum[0]")]
    public void LoneSurrogateEscapesAreRefusedWithTheirPath(string json, string path)
    {
        var error = Assert.Throws<HarmonyJsonException>(() => HarmonyJson.ParseConversation(json));
        Assert.Equal(path, error.JsonPath);
    }
}
