namespace Campfire.Harmony.Model;

/// <summary>A message or conversation that breaks a rule of the model (e.g. an unknown role name).</summary>
/// <param name="message">Which rule was broken, and by what.</param>
public sealed class HarmonyModelException(string message) : HarmonyException(message);
