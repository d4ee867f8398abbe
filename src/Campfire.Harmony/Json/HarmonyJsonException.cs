namespace Campfire.Harmony.Json;

/// <summary>
/// JSON that is not a Harmony conversation or message. The message starts with the JSON path of the offending value,
/// e.g. <c>$.messages[3].role: unknown role "assitant"</c>.
/// </summary>
public sealed class HarmonyJsonException : HarmonyException
{
    /// <summary>Bad JSON at <paramref name="jsonPath"/>; the message is "<c>path: problem</c>".</summary>
    /// <param name="jsonPath">The JSONPath of the offending value, <c>$</c> for the document itself.</param>
    /// <param name="problem">What was wrong or expected there.</param>
    /// <param name="inner">The parser's exception when the text is not JSON at all, else null.</param>
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
