using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>What <see cref="HarmonyEngine.RunAsync"/> reports while it runs. <see cref="Round"/> counts model turns
/// (one generate call each) from 1.</summary>
public abstract record EngineEvent(int Round);
