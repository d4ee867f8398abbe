using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// A byte trie over token byte strings, stored in depth-first preorder so that a walk is one loop over arrays: a node's
/// first child is the next node, and <see cref="_subtreeEnd"/> skips a node's whole subtree when the automaton dies on
/// it (the early pruning that makes a mask cost what survives, not the 201k vocabulary). Each node lists the tokens
/// whose bytes end there (one for the vocabulary trie; several for the string-closing suffix tries, where tokens
/// share a suffix), each with a weight (the whitespace trie's count of leading whitespace bytes that were stripped
/// from its key), in ascending order, so that a walk can take only the tokens up to a weight.
/// </summary>
internal sealed class TokenTrie
{
    private readonly byte[] _label;
    private readonly byte[] _depth;
    private readonly int[] _subtreeEnd;
    private readonly int[] _tokenStart; // CSR: tokens of node i are _tokens[_tokenStart[i] .. _tokenStart[i + 1])
    private readonly int[] _tokens;
    private readonly byte[] _weights; // parallel to _tokens, ascending within a node

    private TokenTrie(byte[] label, byte[] depth, int[] subtreeEnd, int[] tokenStart, int[] tokens, byte[] weights)
    {
        _weights = weights;
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
    public static TokenTrie Build(List<(byte[] Key, int Token)> entries) =>
        Build(entries.ConvertAll(static e => (e.Key, e.Token, (byte)0)));

    /// <summary>Builds a trie from (key bytes, token, weight) triples; keys may repeat and may be empty.</summary>
    public static TokenTrie Build(List<(byte[] Key, int Token, byte Weight)> entries)
    {
        entries.Sort(static (a, b) =>
        {
            int c = a.Key.AsSpan().SequenceCompareTo(b.Key);
            if (c != 0) return c;
            c = a.Weight.CompareTo(b.Weight);
            return c != 0 ? c : a.Token.CompareTo(b.Token);
        });
        var label = new List<byte> { 0 };
        var depth = new List<byte> { 0 };
        var end = new List<int> { 0 };
        var nodeOfToken = new List<int>(entries.Count);
        var path = new List<int> { 0 }; // path[d] = node at depth d on the current branch
        byte[] previous = [];
        int maxDepth = 0;
        foreach (var (key, token, _) in entries)
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
        var weights = new byte[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            int slot = fill[nodeOfToken[i]]++;
            tokens[slot] = entries[i].Token;
            weights[slot] = entries[i].Weight;
        }
        return new TokenTrie([.. label], [.. depth], [.. end], tokenStart, tokens, weights) { MaxDepth = maxDepth };
    }

    /// <summary>Tokens of the root (empty key) whose weight is at most <paramref name="maxWeight"/>.</summary>
    public void SetRootBits(Span<ulong> mask, int maxWeight)
    {
        for (int t = _tokenStart[0]; t < _tokenStart[1] && _weights[t] <= maxWeight; t++)
            mask[_tokens[t] >> 6] |= 1UL << (_tokens[t] & 63);
    }

    /// <summary>
    /// Walks every node under the root: <paramref name="stepper"/> computes the automaton state at the node's depth
    /// from its parent's; a dead state skips the subtree, a live one sets the bits of the tokens that end there (those
    /// weighing at most <paramref name="maxWeight"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Walk<TStepper>(ref TStepper stepper, Span<ulong> mask, int maxWeight = byte.MaxValue) where TStepper : struct, ITrieStepper
    {
        byte[] label = _label, depth = _depth, weights = _weights;
        int[] subtreeEnd = _subtreeEnd, tokenStart = _tokenStart, tokens = _tokens;
        int end = label.Length;
        int i = 1;
        while (i < end)
        {
            if (stepper.Step(depth[i], label[i]))
            {
                int from = tokenStart[i], to = tokenStart[i + 1];
                for (int t = from; t < to && weights[t] <= maxWeight; t++)
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
