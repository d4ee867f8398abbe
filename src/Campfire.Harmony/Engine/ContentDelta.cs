namespace Campfire.Harmony.Engine;

/// <summary>Text the model just produced, sent while it generates (only when
/// <see cref="EngineRunOptions.StreamDeltas"/> is on). For display only: the messages that enter the conversation are
/// parsed again from the whole turn and arrive as <see cref="MessageCompleted"/> after it.</summary>
/// <param name="Round">The model turn that produced the text (see <see cref="EngineEvent.Round"/>).</param>
/// <param name="Channel">The channel of the message being written (<c>analysis</c>, <c>commentary</c>, <c>final</c>);
/// null before the header names one, or when it names none.</param>
/// <param name="Recipient">The tool the message is addressed to (e.g. <c>functions.get_weather</c>) while the model
/// writes a tool call's arguments; null for text meant for the user.</param>
/// <param name="Text">The new text: usually one token's worth, never empty.</param>
public sealed record ContentDelta(int Round, string? Channel, string? Recipient, string Text) : EngineEvent(Round);
