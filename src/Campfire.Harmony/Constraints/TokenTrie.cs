using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// A byte trie over token byte strings, laid out level by level so that the children of a node are contiguous: a walk
/// reads a node's child labels as one short run of bytes and touches the rest of a node (its children, its tokens) only
/// when the automaton survives it. After a model step has pushed the tables out of the CPU caches, the cost of a mask
/// is then the cache misses of the nodes that survive, not of every sibling tried (most walks die one or two bytes
/// deep, after trying up to 256 siblings). Each node lists the tokens whose bytes end there (one for the vocabulary
/// trie; several for the string-closing suffix tries, where tokens share a suffix), each with a weight (the whitespace
/// trie's count of leading whitespace bytes that were stripped from its key), in ascending order, so that a walk can
/// take only the tokens up to a weight.
/// </summary>
internal sealed class TokenTrie
{
    private readonly byte[] _label;
    private readonly int[] _firstChild;
    private readonly ushort[] _childCount;
    private readonly int[] _tokenStart; // CSR: tokens of node i are _tokens[_tokenStart[i] .. _tokenStart[i + 1])
    private readonly int[] _tokens;
    private readonly byte[] _weights; // parallel to _tokens, ascending within a node

    private TokenTrie(byte[] label, int[] firstChild, ushort[] childCount, int[] tokenStart, int[] tokens, byte[] weights)
    {
        _label = label;
        _firstChild = firstChild;
        _childCount = childCount;
        _tokenStart = tokenStart;
        _tokens = tokens;
        _weights = weights;
    }

    public int NodeCount => _label.Length;

    public int MaxDepth { get; private init; }

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
        var end = new List<int> { 0 };
        var nodeOfToken = new List<int>(entries.Count);
        var path = new List<int> { 0 }; // path[d] = node at depth d on the current branch
        byte[] previous = [];
        int maxDepth = 0;
        foreach (var (key, token, _) in entries)
        {
            if (key.Length > 255)
                throw new InvalidOperationException($"token {token} is {key.Length} bytes long; trie keys are at most 255 bytes (the walk keeps a stack slot per depth)");
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
        return LevelOrder(label, end, tokenStart, tokens, weights, maxDepth);
    }

    /// <summary>Renumbers a depth-first trie (a node's first child is the next node, <paramref name="subtreeEnd"/> the
    /// node after its subtree) level by level, so that every node's children are contiguous.</summary>
    private static TokenTrie LevelOrder(List<byte> label, List<int> subtreeEnd, int[] tokenStart, int[] tokens, byte[] weights, int maxDepth)
    {
        int count = label.Count;
        var order = new int[count]; // level-order position -> depth-first node
        var newLabel = new byte[count];
        var firstChild = new int[count];
        var childCount = new ushort[count];
        var newTokenStart = new int[count + 1];
        var newTokens = new int[tokens.Length];
        var newWeights = new byte[weights.Length];
        int filled = 1; // order[0] = 0, the root
        for (int at = 0; at < count; at++)
        {
            int node = order[at];
            newLabel[at] = label[node];
            firstChild[at] = filled;
            for (int child = node + 1; child < subtreeEnd[node]; child = subtreeEnd[child])
                order[filled++] = child;
            childCount[at] = (ushort)(filled - firstChild[at]);
            int from = tokenStart[node], n = tokenStart[node + 1] - from;
            newTokenStart[at + 1] = newTokenStart[at] + n;
            Array.Copy(tokens, from, newTokens, newTokenStart[at], n);
            Array.Copy(weights, from, newWeights, newTokenStart[at], n);
        }
        return new TokenTrie(newLabel, firstChild, childCount, newTokenStart, newTokens, newWeights) { MaxDepth = maxDepth };
    }

    /// <summary>Tokens of the root (empty key) whose weight is at most <paramref name="maxWeight"/>.</summary>
    public void SetRootBits(Span<ulong> mask, int maxWeight)
    {
        for (int t = _tokenStart[0]; t < _tokenStart[1] && _weights[t] <= maxWeight; t++)
            mask[_tokens[t] >> 6] |= 1UL << (_tokens[t] & 63);
    }

    /// <summary>
    /// Walks every node under the root depth first: <paramref name="stepper"/> computes the automaton state at the node's
    /// depth from its parent's; a dead state skips the subtree, a live one sets the bits of the tokens that end there
    /// (those weighing at most <paramref name="maxWeight"/>).
    /// </summary>
    public void Walk<TStepper>(ref TStepper stepper, Span<ulong> mask, int maxWeight = byte.MaxValue) where TStepper : struct, ITrieStepper
    {
        int recorded = 0;
        Walk(ref stepper, mask, maxWeight, [], ref recorded);
    }

    /// <summary>As <see cref="Walk{TStepper}(ref TStepper, Span{ulong}, int)"/>, and also lists the tokens it sets in
    /// <paramref name="record"/> while they fit; <paramref name="recorded"/> counts them all (more than the record's
    /// length: the list is incomplete).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Walk<TStepper>(ref TStepper stepper, Span<ulong> mask, int maxWeight, Span<int> record, ref int recorded)
        where TStepper : struct, ITrieStepper
    {
        byte[] label = _label, weights = _weights;
        int[] firstChild = _firstChild, tokenStart = _tokenStart, tokens = _tokens;
        ushort[] childCount = _childCount;
        // next[d] .. end[d]: the siblings still to try at depth d (depths stay below 256: keys are at most 255 bytes).
        Span<int> next = stackalloc int[MaxDepth + 2];
        Span<int> end = stackalloc int[MaxDepth + 2];
        int depth = 1;
        next[1] = firstChild[0];
        end[1] = firstChild[0] + childCount[0];
        while (depth > 0)
        {
            int node = next[depth];
            if (node == end[depth])
            {
                depth--;
                continue;
            }
            next[depth] = node + 1;
            if (!stepper.Step(depth, label[node]))
                continue;
            int from = tokenStart[node], to = tokenStart[node + 1];
            for (int t = from; t < to && weights[t] <= maxWeight; t++)
            {
                int id = tokens[t];
                mask[id >> 6] |= 1UL << (id & 63);
                if (!record.IsEmpty)
                {
                    if (recorded < record.Length)
                        record[recorded] = id;
                    recorded++;
                }
            }
            int children = childCount[node];
            if (children != 0)
            {
                depth++;
                next[depth] = firstChild[node];
                end[depth] = firstChild[node] + children;
            }
        }
    }
}
