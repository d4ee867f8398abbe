using Campfire.Harmony.Engine;

namespace Campfire.Extensions.AI;

/// <summary>
/// An engine that holds the mapped and rendered history of one request, between requests: <paramref name="Keys"/>[i]
/// is what request message i was, <paramref name="Engine"/> holds exactly the engine messages they mapped to (its
/// living rendering included), nothing else. Immutable; the engine is used by one request at a time (the cache hands
/// a session out once).
/// </summary>
/// <param name="EngineKey">The header settings and tools the engine was built with (<see cref="HarmonyChatMapping.EngineKey"/>).</param>
/// <param name="Engine">The engine, truncated to the history's messages.</param>
/// <param name="Keys">One key per request message, in order.</param>
/// <param name="Bytes">An estimate of the memory the session keeps alive (see <see cref="ChatPrefixCache"/>).</param>
internal sealed record ChatSession(string EngineKey, HarmonyEngine Engine, ChatMessageKey[] Keys, long Bytes)
{
    /// <summary>How many leading messages of <paramref name="messages"/> equal this session's history.</summary>
    public int MatchLength(IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> messages)
    {
        var limit = Math.Min(Keys.Length, messages.Count);
        var matched = 0;
        while (matched < limit && messages[matched] is { } message && Keys[matched].Matches(message))
            matched++;
        return matched;
    }

    /// <summary>The estimate behind <see cref="Bytes"/>: 16 bytes per prompt id (the living rendering, the engine's two
    /// prompt buffers, the renderer's cached ids of each message), 4 bytes per character of history text (the keys'
    /// strings and the engine's copies), and 256 bytes per message for the objects around them. A request that ended
    /// before its usage was reported (a stop sequence) counts one prompt id per character of history instead.</summary>
    public static long EstimateBytes(int promptTokens, ChatMessageKey[] keys)
    {
        long chars = 0;
        foreach (var key in keys) chars += key.Chars;
        long tokens = promptTokens > 0 ? promptTokens : chars;
        return 16L * tokens + 4 * chars + 256L * keys.Length;
    }
}
