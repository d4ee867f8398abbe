namespace Campfire.Harmony;

/// <summary>Base type of every exception Campfire.Harmony throws for bad input, so hosts can catch ours and nothing else.</summary>
public class HarmonyException : Exception
{
    public HarmonyException(string message) : base(message) { }
    public HarmonyException(string message, Exception? inner) : base(message, inner) { }
}
