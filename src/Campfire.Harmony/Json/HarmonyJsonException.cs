namespace Campfire.Harmony.Json;

/// <summary>
/// JSON that is not a Harmony conversation or message. The message starts with the JSON path of the offending value,
/// e.g. <c>$.messages[3].role: unknown role "assitant"</c>.
/// </summary>
public sealed class HarmonyJsonException : HarmonyException
{
    public HarmonyJsonException(string jsonPath, string problem, Exception? inner = null)
        : base($"{jsonPath}: {problem}", inner)
    {
        JsonPath = jsonPath;
        Problem = problem;
    }

    /// <summary>Where the problem is, as a JSONPath such as <c>$.messages[3].content[0].text</c>.</summary>
    public string JsonPath { get; }

    /// <summary>What was wrong (or expected) there.</summary>
    public string Problem { get; }
}
