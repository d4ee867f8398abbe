using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>A whole message the model wrote, now part of the conversation.</summary>
public sealed record MessageCompleted(int Round, HarmonyMessage Message) : EngineEvent(Round);
