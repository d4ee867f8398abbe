using System.Collections.Immutable;

namespace Campfire.Harmony.Engine;

/// <summary>Text the model just produced in a message on <paramref name="Channel"/> (null before the header names one);
/// <paramref name="Recipient"/> is set while the model writes a tool call's arguments.</summary>
public sealed record ContentDelta(int Round, string? Channel, string? Recipient, string Text) : EngineEvent(Round);
