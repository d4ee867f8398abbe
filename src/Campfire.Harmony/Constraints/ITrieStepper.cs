namespace Campfire.Harmony.Constraints;

/// <summary>An automaton walked over a <see cref="TokenTrie"/>: the state at depth <c>d</c> is the state at depth
/// <c>d - 1</c> advanced by one byte. A struct, so that the walk is specialised and inlined per automaton.</summary>
internal interface ITrieStepper
{
    /// <summary>Sets the state at <paramref name="depth"/> from the one at <paramref name="depth"/> - 1 and
    /// <paramref name="value"/>; false when the automaton dies there.</summary>
    bool Step(int depth, byte value);
}
