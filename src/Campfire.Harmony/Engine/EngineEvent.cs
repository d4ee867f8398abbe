namespace Campfire.Harmony.Engine;

/// <summary>What <see cref="HarmonyEngine.RunAsync"/> reports while it runs. Each round sends, in order: content deltas
/// and parse diagnostics while the model generates, a <see cref="MessageCompleted"/> per parsed message, a
/// <see cref="ToolCallStarted"/>/<see cref="ToolCallFinished"/> pair per executed call or the answer's
/// <see cref="CitationProblem"/>s and <see cref="FinalAnswer"/>, then a <see cref="UsageReport"/>; the run ends with
/// one <see cref="RunCompleted"/>.</summary>
/// <param name="Round">The model turn (one generate call each) the event belongs to, counted from 1 within one run.</param>
public abstract record EngineEvent(int Round);
