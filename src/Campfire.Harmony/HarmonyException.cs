namespace Campfire.Harmony;

/// <summary>Base type of every exception Campfire.Harmony throws for bad input, so hosts can catch ours and nothing else.</summary>
public class HarmonyException : Exception
{
    /// <summary>An error with a one-line message that says what was wrong with the input.</summary>
    /// <param name="message">What was wrong, for a person to read.</param>
    public HarmonyException(string message) : base(message) { }

    /// <summary>An error caused by another exception (e.g. a <see cref="System.Text.Json.JsonException"/>).</summary>
    /// <param name="message">What was wrong, for a person to read.</param>
    /// <param name="inner">The exception that revealed the problem, or null.</param>
    public HarmonyException(string message, Exception? inner) : base(message, inner) { }
}
