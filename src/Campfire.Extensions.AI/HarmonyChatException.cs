using Campfire.Harmony;

namespace Campfire.Extensions.AI;

/// <summary>A chat request that cannot be expressed in Harmony (unsupported content, a tool result without its call...).</summary>
public sealed class HarmonyChatException(string message) : HarmonyException(message);
