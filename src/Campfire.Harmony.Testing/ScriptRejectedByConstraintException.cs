namespace Campfire.Harmony.Testing;

/// <summary>A constrained run (<see cref="Campfire.Harmony.Engine.TokenGenerationRequest.Constraint"/>) reached a scripted
/// token that the constraint does not allow: the script is not a valid output for the conversation's grammar.</summary>
public sealed class ScriptRejectedByConstraintException(int turn, int index, int token, string before)
    : HarmonyException($"The scripted model's turn {turn} has token {token} at {index}, which the constraint does not allow (after \"{before}\").")
{
    /// <summary>The turn (1-based) of the script.</summary>
    public int Turn { get; } = turn;

    /// <summary>Position of the refused token in the turn.</summary>
    public int Index { get; } = index;

    /// <summary>The refused id.</summary>
    public int Token { get; } = token;
}
