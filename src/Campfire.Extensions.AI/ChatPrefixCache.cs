using Microsoft.Extensions.AI;

namespace Campfire.Extensions.AI;

/// <summary>
/// The chat client's memory of recent conversations: an LRU of <see cref="ChatSession"/>s, bounded by a number of
/// conversations and by an estimate of the bytes they keep alive (<see cref="ChatSession.EstimateBytes"/>); the least
/// recently used go first, and a session larger than the whole budget is not kept. A request takes the session whose
/// whole history is the longest leading part of its messages (compared content by content, see
/// <see cref="ChatMessageKey"/>) out of the cache, so no two requests ever share an engine, and gives it back when it
/// ends. A session that only partly matches stays for its own conversation (a request that edits an earlier message,
/// or another conversation that starts the same way, builds a new engine). Thread-safe: one lock guards the list, and
/// the content comparisons run outside it.
/// </summary>
internal sealed class ChatPrefixCache(int maxConversations, long maxBytes)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<ChatSession> _sessions = new(); // most recently used first
    private long _bytes;
    private long _hits;
    private long _misses;

    public int Count
    {
        get
        {
            lock (_gate) return _sessions.Count;
        }
    }

    /// <summary>The estimated bytes of the sessions held now; never more than the budget.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate) return _bytes;
        }
    }

    /// <summary>Requests that found a session (their history's leading messages already mapped and rendered).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Requests that built a new engine.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The session whose history is the longest leading part of <paramref name="messages"/>, removed from the
    /// cache; null when none is.</summary>
    public ChatSession? Take(string engineKey, IReadOnlyList<ChatMessage> messages)
    {
        if (maxConversations == 0)
            return null;
        List<LinkedListNode<ChatSession>>? candidates = null;
        lock (_gate)
        {
            for (var node = _sessions.First; node is not null; node = node.Next)
                if (node.Value.Keys.Length <= messages.Count && string.Equals(node.Value.EngineKey, engineKey, StringComparison.Ordinal))
                    (candidates ??= []).Add(node);
        }
        if (candidates is not null)
        {
            // Sessions are immutable, so they can be compared without the lock; taking one checks it is still there.
            candidates.Sort((a, b) => b.Value.Keys.Length.CompareTo(a.Value.Keys.Length));
            foreach (var node in candidates)
            {
                if (node.Value.MatchLength(messages) != node.Value.Keys.Length)
                    continue;
                lock (_gate)
                {
                    if (node.List != _sessions)
                        continue; // another request took it meanwhile
                    _sessions.Remove(node);
                    _bytes -= node.Value.Bytes;
                }
                Interlocked.Increment(ref _hits);
                return node.Value;
            }
        }
        Interlocked.Increment(ref _misses);
        return null;
    }

    /// <summary>Keeps <paramref name="session"/> as the most recently used, dropping the least recently used ones that
    /// exceed the bounds.</summary>
    public void Return(ChatSession session)
    {
        if (maxConversations == 0 || session.Keys.Length == 0 || session.Bytes > maxBytes)
            return;
        lock (_gate)
        {
            _sessions.AddFirst(session);
            _bytes += session.Bytes;
            while (_sessions.Count > maxConversations || _bytes > maxBytes)
            {
                _bytes -= _sessions.Last!.Value.Bytes;
                _sessions.RemoveLast();
            }
        }
    }

    /// <summary>Forgets every session.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _sessions.Clear();
            _bytes = 0;
        }
    }
}
