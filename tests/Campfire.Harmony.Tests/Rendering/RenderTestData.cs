using System.Text.Json;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Tests.Rendering;

internal static class RenderTestData
{
    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static ToolDescription Weather { get; } = new("get_weather", "Current weather for a city.",
        Json("""{"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"], "default": "c"}}, "required": ["city"]}"""));

    /// <summary>A realistic conversation: system with browser tool, developer with functions, a tool round trip, multilingual text.</summary>
    public static Conversation ToolConversation { get; } = Conversation.FromMessages(
        Message.System(new SystemContent().WithConversationStartDate("2026-01-15").WithBrowserTool()),
        Message.Developer(new DeveloperContent().WithInstructions("Answer briefly.").WithFunctionTools(Weather)),
        Message.User("Weather in Oslo? Und in München, 東京 🔥"),
        Message.Assistant("Need the tool.").WithChannel("analysis"),
        Message.Assistant("{\"city\": \"Oslo\"}").WithChannel("commentary").WithRecipient("functions.get_weather").WithContentType("<|constrain|>json"),
        Message.Tool("functions.get_weather", "{\"temp_c\": -3}").WithRecipient("assistant").WithChannel("commentary"),
        Message.Assistant("It is -3 °C in Oslo.").WithChannel("final"),
        Message.User("And tomorrow?"));
}
