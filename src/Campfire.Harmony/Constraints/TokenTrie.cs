using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// A byte trie over token byte strings, stored in depth-first preorder so that a walk is one loop over arrays: a node's
/// first child is the next node, and <see cref="_subtreeEnd"/> skips a node's whole subtree when the automaton dies on
/// it (the early pruning that makes a mask cost what survives, not the 201k vocabulary). Each node lists the tokens
/// whose bytes end there (one for the vocabulary trie; several for the string-closing suffix tries, where tokens
/// share a suffix).
/// </summary>
internal sealed class TokenTrie
{
    private readonly byte[] _label;
    private readonly byte[] _depth;
    private readonly int[] _subtreeEnd;
    private readonly int[] _tokenStart; // CSR: tokens of node i are _tokens[_tokenStart[i] .. _tokenStart[i + 1])
    private readonly int[] _tokens;

    private TokenTrie(byte[] label, byte[] depth, int[] subtreeEnd, int[] tokenStart, int[] tokens)
    {
        _label = label;
        _depth = depth;
        _subtreeEnd = subtreeEnd;
        _tokenStart = tokenStart;
        _tokens = tokens;
    }

    public int NodeCount => _label.Length;

    public int MaxDepth { get; private init; }

    /// <summary>Tokens whose whole byte string is empty (attached to the root).</summary>
    public ReadOnlySpan<int> RootTokens => _tokens.AsSpan(_tokenStart[0], _tokenStart[1] - _tokenStart[0]);

    /// <summary>Builds a trie from (key bytes, token) pairs; keys may repeat and may be empty.</summary>
    public static TokenTrie Build(List<(byte[] Key, int Token)> entries)
    {
        entries.Sort(static (a, b) =>
        {
            int c = a.Key.AsSpan().SequenceCompareTo(b.Key);
            return c != 0 ? c : a.Token.CompareTo(b.Token);
        });
        var label = new List<byte> { 0 };
        var depth = new List<byte> { 0 };
        var end = new List<int> { 0 };
        var nodeOfToken = new List<int>(entries.Count);
        var path = new List<int> { 0 }; // path[d] = node at depth d on the current branch
        byte[] previous = [];
        int maxDepth = 0;
        foreach (var (key, token) in entries)
        {
            if (key.Length > 255)
                throw new InvalidOperationException($"token {token} is {key.Length} bytes long; the trie keeps depths in a byte");
            int lcp = key.AsSpan().CommonPrefixLength(previous);
            while (path.Count - 1 > lcp)
            {
                end[path[^1]] = label.Count;
                path.RemoveAt(path.Count - 1);
            }
            for (int d = lcp; d < key.Length; d++)
            {
                path.Add(label.Count);
                label.Add(key[d]);
                depth.Add((byte)(d + 1));
                end.Add(0);
            }
            nodeOfToken.Add(path[key.Length]);
            maxDepth = Math.Max(maxDepth, key.Length);
            previous = key;
        }
        while (path.Count > 0)
        {
            end[path[^1]] = label.Count;
            path.RemoveAt(path.Count - 1);
        }

        var tokenStart = new int[label.Count + 1];
        foreach (int node in nodeOfToken)
            tokenStart[node + 1]++;
        for (int i = 0; i < label.Count; i++)
            tokenStart[i + 1] += tokenStart[i];
        var fill = tokenStart.AsSpan(0, label.Count).ToArray();
        var tokens = new int[entries.Count];
        for (int i = 0; i < entries.Count; i++)
            tokens[fill[nodeOfToken[i]]++] = entries[i].Token;
        return new TokenTrie([.. label], [.. depth], [.. end], tokenStart, tokens) { MaxDepth = maxDepth };
    }

    /// <summary>
    /// Walks every node under the root: <paramref name="stepper"/> computes the automaton state at the node's depth
    /// from its parent's; a dead state skips the subtree, a live one sets the bits of the tokens that end there.
    /// </summary>
    public void Walk<TStepper>(ref TStepper stepper, Span<ulong> mask) where TStepper : struct, ITrieStepper
    {
        byte[] label = _label, depth = _depth;
        int[] subtreeEnd = _subtreeEnd, tokenStart = _tokenStart, tokens = _tokens;
        int end = label.Length;
        int i = 1;
        while (i < end)
        {
            if (stepper.Step(depth[i], label[i]))
            {
                int from = tokenStart[i], to = tokenStart[i + 1];
                for (int t = from; t < to; t++)
                {
                    int id = tokens[t];
                    mask[id >> 6] |= 1UL << (id & 63);
                }
                i++;
            }
            else
            {
                i = subtreeEnd[i];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetBits(Span<ulong> mask, ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
            mask[id >> 6] |= 1UL << (id & 63);
    }
}
