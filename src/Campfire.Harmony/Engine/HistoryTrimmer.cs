namespace Campfire.Harmony.Engine;

/// <summary>
/// Shortens a conversation to its newest messages without breaking it: system and developer messages always stay,
/// an assistant's tool call and the tool results that answer it are kept or dropped together, and the kept history
/// never starts with a tool result whose call was dropped.
/// </summary>
public static class HistoryTrimmer
{
    /// <summary>
    /// Keeps at most <paramref name="maxHistory"/> messages besides system and developer messages, newest first,
    /// counting an assistant message with calls together with its results. The newest unit is always kept, even when
    /// it alone is longer than <paramref name="maxHistory"/>, since cutting it would separate a call from its result.
    /// </summary>
    /// <param name="messages">The conversation, oldest first; not changed.</param>
    /// <param name="maxHistory">Messages to keep besides system and developer messages; at least 1.</param>
    /// <returns>A new list of the kept messages, in their original order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHistory"/> is less than 1.</exception>
    public static IReadOnlyList<HarmonyMessage> Trim(IReadOnlyList<HarmonyMessage> messages, int maxHistory)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHistory, 1);

        var units = Units(messages);
        var keep = new bool[messages.Count];
        var kept = 0;
        var firstKeptUnit = units.Count;
        for (var u = units.Count - 1; u >= 0; u--)
        {
            var size = units[u].Size;
            if (kept + size > maxHistory && kept > 0) break;
            kept += size;
            firstKeptUnit = u;
        }
        // A history must not open with results whose call is gone.
        while (firstKeptUnit < units.Count && units[firstKeptUnit].IsOrphanResult) firstKeptUnit++;

        for (var u = firstKeptUnit; u < units.Count; u++)
            for (var i = units[u].Start; i < units[u].End; i++) keep[i] = true;

        var result = new List<HarmonyMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
            if (keep[i] || IsPinned(messages[i])) result.Add(messages[i]);
        return result;
    }

    /// <summary>
    /// Keeps the newest whole exchanges: an exchange is a user message and everything after it up to the next user
    /// message (the answer, analysis, tool calls and their results; messages before the first user message form one
    /// too). Exchanges are dropped oldest first, whole, while more than <paramref name="maxHistory"/> messages besides
    /// system and developer messages remain; the newest exchange is always kept, even when it alone is longer. So an
    /// answer is never kept without the question it answers, nor a call without its results. A user message that
    /// arrives while a call still awaits its result does not start an exchange (it stays with the call).
    /// </summary>
    /// <param name="messages">The conversation, oldest first; not changed.</param>
    /// <param name="maxHistory">Messages to keep besides system and developer messages; at least 1.</param>
    /// <returns>A new list of the kept messages, in their original order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHistory"/> is less than 1.</exception>
    public static IReadOnlyList<HarmonyMessage> TrimExchanges(IReadOnlyList<HarmonyMessage> messages, int maxHistory)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHistory, 1);
        var starts = new List<int>();
        var sizes = new List<int>();
        var open = new HashSet<string>(StringComparer.Ordinal);
        var unanswered = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (IsPinned(message)) continue;
            if (starts.Count == 0 || (message.Role == HarmonyRole.User && unanswered == 0))
            {
                starts.Add(i);
                sizes.Add(0);
            }
            sizes[^1]++;
            if (message.Role == HarmonyRole.Assistant && message.HasToolCalls)
            {
                foreach (var call in message.ToolCalls) open.Add(call.CallId);
                unanswered += message.ToolCalls.Length;
            }
            else if (message.Role == HarmonyRole.Tool && unanswered > 0 && (message.CallId is null || open.Remove(message.CallId)))
            {
                unanswered--;
            }
        }
        var kept = 0;
        var keepFrom = messages.Count;
        for (var e = starts.Count - 1; e >= 0; e--)
        {
            if (kept + sizes[e] > maxHistory && kept > 0) break;
            kept += sizes[e];
            keepFrom = starts[e];
        }
        var result = new List<HarmonyMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
            if (i >= keepFrom || IsPinned(messages[i])) result.Add(messages[i]);
        return result;
    }

    /// <summary>Whether <paramref name="message"/> is a system or developer message, which trimming never drops (they
    /// are the instructions).</summary>
    /// <param name="message">Any message.</param>
    public static bool IsPinned(HarmonyMessage message) => message.Role is HarmonyRole.System or HarmonyRole.Developer;

    // Units over the non-pinned messages: a call with the results that answer it, or a single message. Pinned
    // messages between a call and its results do not split the unit (they are kept anyway).
    private static List<(int Start, int End, int Size, bool IsOrphanResult)> Units(IReadOnlyList<HarmonyMessage> messages)
    {
        var units = new List<(int Start, int End, int Size, bool IsOrphanResult)>();
        var i = 0;
        while (i < messages.Count)
        {
            var message = messages[i];
            if (IsPinned(message))
            {
                i++;
                continue;
            }
            if (message.Role == HarmonyRole.Tool)
            {
                units.Add((i, i + 1, 1, true));
                i++;
                continue;
            }
            var end = i + 1;
            var size = 1;
            if (message.Role == HarmonyRole.Assistant && message.HasToolCalls)
            {
                var open = message.ToolCalls.Select(c => c.CallId).ToHashSet(StringComparer.Ordinal);
                var unanswered = message.ToolCalls.Length;
                while (end < messages.Count && unanswered > 0)
                {
                    var next = messages[end];
                    if (IsPinned(next))
                    {
                        end++;
                        continue;
                    }
                    if (next.Role != HarmonyRole.Tool) break;
                    // Results without ids answer the calls in order, as Harmony itself has no ids.
                    if (next.CallId is not null && !open.Remove(next.CallId)) break;
                    unanswered--;
                    size++;
                    end++;
                }
            }
            units.Add((i, end, size, false));
            i = end;
        }
        return units;
    }
}
