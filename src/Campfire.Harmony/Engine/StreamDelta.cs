namespace Campfire.Harmony.Engine;

internal readonly record struct StreamDelta(string? Channel, string? Recipient, string Text);
