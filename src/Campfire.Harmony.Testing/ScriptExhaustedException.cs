namespace Campfire.Harmony.Testing;

/// <summary>The engine asked a <see cref="ScriptedTokenGenerator"/> for more turns than its script has.</summary>
public sealed class ScriptExhaustedException(int turns)
    : HarmonyException($"The scripted model has only {turns} turn(s) and was asked for another: the conversation went differently than the script expects.")
{
    public int Turns { get; } = turns;
}
