using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Benchmarks.Data;

/// <summary>
/// Inputs of the constraint benchmarks and tests: the shared 4k completion cut into the assistant turns a constrained
/// sampler would generate (each after a <c>&lt;|start|&gt;assistant</c> prompt; the tool replies between them are
/// prompt, not output), its conversation (browser + get_weather), and tool-argument-heavy turns (an incident report
/// with nested objects, arrays, enums, numbers, booleans, escapes) from a fixed seed.
/// </summary>
public static class ConstraintCorpus
{
    public const string WeatherSchema =
        """{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},"required":["location"],"additionalProperties":false}""";

    public const string ReportSchema = """
        {"type":"object","properties":{
          "title":{"type":"string"},
          "severity":{"type":"string","enum":["low","medium","high","critical"]},
          "location":{"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"},"address":{"type":"string"}},"required":["lat","lon"]},
          "people":{"type":"array","items":{"type":"object","properties":{
              "name":{"type":"string"},"age":{"type":"integer"},"conscious":{"type":"boolean"},
              "injuries":{"type":"array","items":{"type":"string"}}},"required":["name","conscious"]}},
          "notes":{"type":["string","null"]},
          "follow_up":{"type":"boolean"}},
         "required":["title","severity","people"],"additionalProperties":false}
        """;

    private static ToolNamespaceConfig Functions(string name, string schema) =>
        new("functions", null, [new ToolDescription(name, "test tool", schema)]);

    /// <summary>The conversation the 4k completion answers: browser built in, functions.get_weather.</summary>
    public static Conversation WeatherConversation() => Conversation.FromMessages(
        Message.System(SystemContent.Default.WithBrowserTool()),
        Message.Developer(DeveloperContent.Empty.WithTools(Functions("get_weather", WeatherSchema))),
        Message.User("Compare the weather in several cities."));

    /// <summary>The conversation of the tool-heavy turns: functions.report_incident.</summary>
    public static Conversation ReportConversation() => Conversation.FromMessages(
        Message.System(SystemContent.Default),
        Message.Developer(DeveloperContent.Empty.WithTools(Functions("report_incident", ReportSchema))),
        Message.User("Log the incidents."));

    /// <summary>The assistant turns of the 4k completion (each ends in <c>&lt;|call|&gt;</c> or <c>&lt;|return|&gt;</c>).</summary>
    public static int[][] WeatherTurns()
    {
        var ids = O200kHarmonyTokenizer.Instance.EncodeToIds(ParseCorpus.BuildText(), allowSpecialTokens: true);
        int assistant = O200kHarmonyTokenizer.Instance.EncodeToIds("assistant").Single();
        var turns = new List<int[]>();
        int start = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] is not (HarmonyTokens.Call or HarmonyTokens.Return))
                continue;
            turns.Add(ids[start..(i + 1)]);
            // Skip the tool's reply (prompt, not output) up to the next <|start|>assistant.
            int j = i + 1;
            while (j < ids.Length && !(ids[j] == HarmonyTokens.Start && j + 1 < ids.Length && ids[j + 1] == assistant))
                j++;
            start = j + 2;
            i = j + 1;
        }
        return [.. turns];
    }

    private static readonly string[] Names = ["Ana María", "Jörg", "Zoë \"Z\" Lee", "李雷", "Ngozi", "Olek"];
    private static readonly string[] Injuries = ["burn on the left forearm", "suspected fracture\n(right wrist)", "cut, bleeding controlled", "smoke inhalation", "none visible"];
    private static readonly string[] Streets = ["Rua Augusta 12, Lisboa", "Königstraße 5, Stuttgart", "12 O'Connell St \\ Dublin", "東京都港区1-2-3"];

    /// <summary>Tool-argument-heavy turns: a short analysis, then a report_incident call of a few hundred tokens.</summary>
    public static int[][] ReportTurns(int count = 12, int seed = 20261202)
    {
        var random = new Random(seed);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        var turns = new int[count][];
        for (int t = 0; t < count; t++)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, options))
            {
                json.WriteStartObject();
                json.WriteString("title", $"Incident {t + 1}: kitchen fire with {1 + random.Next(4)} people affected");
                json.WriteString("severity", new[] { "low", "medium", "high", "critical" }[random.Next(4)]);
                json.WriteStartObject("location");
                json.WriteNumber("lat", Math.Round(random.NextDouble() * 180 - 90, 5));
                json.WriteNumber("lon", Math.Round(random.NextDouble() * 360 - 180, 5));
                json.WriteString("address", Streets[random.Next(Streets.Length)]);
                json.WriteEndObject();
                json.WriteStartArray("people");
                int people = 2 + random.Next(4);
                for (int p = 0; p < people; p++)
                {
                    json.WriteStartObject();
                    json.WriteString("name", Names[random.Next(Names.Length)]);
                    json.WriteNumber("age", random.Next(1, 90));
                    json.WriteBoolean("conscious", random.Next(3) > 0);
                    json.WriteStartArray("injuries");
                    for (int k = random.Next(3); k >= 0; k--)
                        json.WriteStringValue(Injuries[random.Next(Injuries.Length)]);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                if (random.Next(2) == 0) json.WriteNull("notes");
                else json.WriteString("notes", "Caller said: \"the pan caught fire\"; extinguished with a lid. Tab\there.");
                json.WriteBoolean("follow_up", random.Next(2) == 0);
                json.WriteEndObject();
            }
            string args = Encoding.UTF8.GetString(buffer.ToArray());
            string text = "<|channel|>analysis<|message|>Several people are hurt; log the incident before advising.<|end|>" +
                          "<|start|>assistant to=functions.report_incident<|channel|>commentary <|constrain|>json<|message|>" + args + "<|call|>";
            turns[t] = O200kHarmonyTokenizer.Instance.EncodeToIds(text, allowSpecialTokens: true);
        }
        return turns;
    }
}
