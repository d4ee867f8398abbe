using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Harmony.Tests.Conformance;

/// <summary>How a reference test renders its conversation.</summary>
public enum ReferenceRenderMode
{
    ForCompletionOfAssistant,
    Conversation,
}

/// <summary>One rendering test of openai/harmony (src/tests.rs, tests/test_harmony.py), rebuilt in C#.</summary>
public sealed record ReferenceCase(string Name, string File, Conversation Conversation, ReferenceRenderMode Mode, RenderOptions Options)
{
    public override string ToString() => Name;
}

/// <summary>The conversations of the reference's rendering tests, built with our API exactly as the reference builds them.</summary>
public static class ReferenceConversations
{
    private const string Identity = "You are ChatGPT, a large language model trained by OpenAI.";

    // The Rust tests pass no config (no auto-drop); where they pass one, it is given here.
    private static readonly RenderOptions RustDefault = RenderOptions.KeepAnalysis;

    public static IReadOnlyList<ReferenceCase> All { get; } = Build();

    public static IEnumerable<object[]> Cases => All.Select(c => new object[] { c });

    private static List<ReferenceCase> Build()
    {
        var cases = new List<ReferenceCase>
        {
            new("test_simple_convo", "test_simple_convo.txt",
                Conversation.FromMessages(
                    Message.System(new SystemContent().WithModelIdentity(Identity)),
                    Message.User("What is 2 + 2?")),
                ReferenceRenderMode.ForCompletionOfAssistant, RustDefault),
        };

        foreach (var (effort, withInstructions, file) in new[]
                 {
                     (ReasoningEffort.Low, true, "test_simple_convo_low_effort.txt"),
                     (ReasoningEffort.Medium, true, "test_simple_convo_medium_effort.txt"),
                     (ReasoningEffort.High, true, "test_simple_convo_high_effort.txt"),
                     (ReasoningEffort.Low, false, "test_simple_convo_low_effort_no_instruction.txt"),
                     (ReasoningEffort.Medium, false, "test_simple_convo_medium_effort_no_instruction.txt"),
                     (ReasoningEffort.High, false, "test_simple_convo_high_effort_no_instruction.txt"),
                 })
        {
            var messages = new List<Message> { Message.System(new SystemContent().WithModelIdentity(Identity).WithReasoningEffort(effort)) };
            if (withInstructions)
                messages.Add(Message.Developer(new DeveloperContent().WithInstructions("Answer the user's questions like a robot.")));
            messages.Add(Message.User("What is the capital of the largest country in the world?"));
            cases.Add(new($"test_simple_convo_with_effort({effort}, instructions: {withInstructions})", file,
                Conversation.FromMessages(messages), ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));
        }

        cases.Add(new("test_reasoning_system_message", "test_reasoning_system_message.txt",
            Conversation.FromMessages(
                Message.System(new SystemContent().WithModelIdentity(Identity).WithReasoningEffort(ReasoningEffort.Medium)
                    .WithRequiredChannels("analysis", "final")),
                Message.User("What is 2 + 2?")),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_reasoning_system_message_no_instruction", "test_reasoning_system_message_no_instruction.txt",
            Conversation.FromMessages(
                Message.System(new SystemContent().WithModelIdentity(Identity).WithReasoningEffort(ReasoningEffort.High)
                    .WithRequiredChannels("analysis", "final")),
                Message.User("What is the best place to eat candy in the world?")),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_reasoning_system_message_with_dates", "test_reasoning_system_message_with_dates.txt",
            Conversation.FromMessages(
                Message.System(new SystemContent().WithModelIdentity(Identity).WithReasoningEffort(ReasoningEffort.Medium)
                    .WithConversationStartDate("2021-01-01").WithKnowledgeCutoff("2021-01").WithRequiredChannels("analysis", "final")),
                Message.User("What is 42 * pi?")),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_render_functions_with_parameters", "test_render_functions_with_parameters.txt",
            Conversation.FromMessages(
                Message.System(new SystemContent().WithReasoningEffort(ReasoningEffort.High).WithConversationStartDate("2025-06-28")),
                Message.Developer(new DeveloperContent().WithInstructions("Always respond in riddles").WithFunctionTools(
                    new ToolDescription("get_location", "Gets the location of the user."),
                    new ToolDescription("get_current_weather", "Gets the current weather in the provided location.", Schema("""
                        {"type": "object",
                         "properties": {
                           "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                           "format": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
                         "required": ["location"]}
                        """)),
                    new ToolDescription("get_multiple_weathers", "Gets the current weather in the provided list of locations.", Schema("""
                        {"type": "object",
                         "properties": {
                           "locations": {"type": "array", "items": {"type": "string"},
                                         "description": "List of city and state, e.g. [\"San Francisco, CA\", \"New York, NY\"]"},
                           "format": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
                         "required": ["locations"]}
                        """)),
                    new ToolDescription("kitchensink", "A function with various complex schemas.", Schema("""
                        {"description": "params object",
                         "type": "object",
                         "properties": {
                           "string": {"type": "string", "title": "STRING", "description": "A string", "examples": ["hello", "world"]},
                           "string_nullable": {"type": "string", "nullable": true, "description": "A nullable string", "default": "the default"},
                           "string_enum": {"type": "string", "enum": ["a", "b", "c"]},
                           "oneof_string_or_number": {
                             "oneOf": [{"type": "string", "default": "default_string_in_oneof"},
                                       {"type": "number", "description": "numbers can happen too"}],
                             "description": "a oneof",
                             "default": 20}}}
                        """)))),
                Message.User("What is the weather like in SF?")),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_no_tools", "test_no_tools.txt",
            Conversation.FromMessages(Message.System(new SystemContent().WithConversationStartDate("2025-06-28"))),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_browser_tool_only", "test_browser_tool_only.txt",
            Conversation.FromMessages(Message.System(new SystemContent().WithConversationStartDate("2025-06-28").WithBrowserTool())),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_browser_and_function_tool", "test_browser_and_function_tool.txt",
            Conversation.FromMessages(
                Message.System(new SystemContent().WithConversationStartDate("2025-06-28").WithBrowserTool()),
                Message.Developer(new DeveloperContent().WithFunctionTools(new ToolDescription(
                    "lookup_weather",
                    "Use this tool to lookup the weather in a given location. Call it with the parameter 'location', can be any textual description of a location.",
                    Schema("""{"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}"""))))),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_browser_and_python_tool", "test_browser_and_python_tool.txt",
            Conversation.FromMessages(Message.System(new SystemContent().WithConversationStartDate("2025-06-28").WithBrowserTool().WithPythonTool())),
            ReferenceRenderMode.ForCompletionOfAssistant, RustDefault));

        cases.Add(new("test_dropping_cot_by_default", "test_dropping_cot_by_default.txt",
            Conversation.FromMessages(
                Message.User("What is 2 + 2?"),
                Message.Assistant("User asks: “What is 2 + 2?” Simple arithmetic. Provide answer.").WithChannel("analysis"),
                Message.Assistant("2 + 2 equals 4.").WithChannel("final"),
                Message.User("What about 9 / 2?")),
            ReferenceRenderMode.ForCompletionOfAssistant, RenderOptions.Default));

        cases.Add(new("test_does_not_drop_if_ongoing_analysis", "test_does_not_drop_if_ongoing_analysis.txt",
            Conversation.FromMessages(
                Message.User("What is the weather in SF?"),
                Message.Assistant("User asks: “What is the weather in SF?” We need to use lookup_weather tool.").WithChannel("analysis"),
                Message.Assistant("{\"location\": \"San Francisco\"}").WithChannel("commentary")
                    .WithRecipient("functions.lookup_weather").WithContentType("<|constrain|>json"),
                Message.FromAuthor(Author.Tool("functions.lookup_weather"), "{\"temperature\": 20, \"description\": \"sunny\"}")),
            ReferenceRenderMode.ForCompletionOfAssistant, RenderOptions.Default));

        cases.Add(new("test_preserve_cot", "test_preserve_cot.txt",
            Conversation.FromMessages(
                Message.User("What is 2 + 2?"),
                Message.Assistant("User asks a simple question: \"What is 2 + 2?\" The answer: 4.").WithChannel("analysis"),
                Message.Assistant("2 + 2 equals 4.").WithChannel("final"),
                Message.User("What about 9 / 2?")),
            ReferenceRenderMode.ForCompletionOfAssistant, RenderOptions.KeepAnalysis));

        // The Python test calls render_conversation(convo) with its default config: auto-drop on.
        cases.Add(new("test_keep_analysis_between_final_messages", "test_keep_analysis_between_finals.txt",
            Conversation.FromMessages(
                Message.User("What is 2 + 2?"),
                Message.Assistant("thinking 2+2").WithChannel("analysis"),
                Message.Assistant("4").WithChannel("final"),
                Message.User("What is 3 + 5?"),
                Message.Assistant("thinking 3+5").WithChannel("analysis"),
                Message.Assistant("8").WithChannel("final")),
            ReferenceRenderMode.Conversation, RenderOptions.Default));

        return cases;
    }

    /// <summary>The reference reads expected files with CRLF turned into LF and trailing whitespace trimmed.</summary>
    public static string ExpectedText(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Conformance", "harmony", file);
        return File.ReadAllText(path).Replace("\r\n", "\n").TrimEnd();
    }

    public static string RenderText(ReferenceCase c) => c.Mode switch
    {
        ReferenceRenderMode.ForCompletionOfAssistant => HarmonyTextRenderer.RenderConversationForCompletion(c.Conversation, Role.Assistant, c.Options),
        _ => HarmonyTextRenderer.RenderConversation(c.Conversation, c.Options),
    };

    private static JsonElement Schema(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
