using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>
/// Byte-pair encoding of long pieces without replaying the merges, in time close to linear in the piece length.
/// </summary>
/// <remarks>
/// The idea is the one of GitHub's <c>bpe</c> crate (Hendrik van Antwerpen and Alexander Neubeck, "backtracking"
/// encoder): the BPE result of a text is the only token sequence in which every two neighbours would survive BPE
/// on their own bytes, so the encoder takes the longest token at each position and, when it cannot be kept next to
/// the previous token, tries the next shorter prefix token, backtracking over earlier choices when none fits.
/// Whether two neighbours survive is decided from the merge tree of each token (which pair of tokens BPE joined to
/// form it), walking the two trees from the boundary in the reverse order of their merges.
/// The tables (a byte trie of the vocabulary, the merge tree, the joined-pair index) are built once, on the first
/// long piece; tests check the result against the merge simulation (<see cref="BytePairMerger"/>) and
/// Microsoft.ML.Tokenizers.
/// </remarks>
[SkipLocalsInit]
internal sealed class BacktrackingEncoder
{
    private const int NotFound = O200kVocabulary.NotFound;
    private const int NoToken = -1;

    private readonly O200kVocabulary _vocabulary;

    // The byte trie of the usable tokens: nodes 1..256 are the single bytes, two-byte prefixes are found through a
    // direct table, longer ones through an open-addressing table keyed by (parent node, next byte).
    private readonly int[] _twoByteNodes;
    private ulong[] _children;
    private int _childShift;
    private int _childMask;
    private readonly int[] _longestTokenAtNode;   // the longest usable token that is a prefix of the node's bytes

    private readonly int[] _shorterPrefix;        // the next shorter usable token that is a prefix of the token, or NoToken
    private readonly int[] _leftPart;             // the pair BPE joins to form the token; a byte is its own pair
    private readonly int[] _rightPart;
    private readonly ulong[] _joins;              // (left << 36 | right << 18 | joined) for every token's pair
    private readonly int _joinShift;
    private readonly int _joinMask;

    private static readonly ulong EmptyJoin = ulong.MaxValue;

    // Verdicts of the neighbour test by token pair: texts repeat their pairs far more often than their pieces.
    // An entry holds its own key, so a racing write between threads can only cost a recomputation.
    private const int VerdictBits = 15;
    private readonly ulong[] _verdicts = new ulong[1 << VerdictBits];

    private BacktrackingEncoder(O200kVocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        const int count = O200kVocabulary.OrdinaryCount;

        int totalBytes = 0;
        for (int rank = 0; rank < count; rank++)
            totalBytes += vocabulary.GetLength(rank);

        // Trie of every ordinary token (usable or not: an unusable token can still be on the way to a usable one).
        int maxNodes = totalBytes + 257;
        var parent = new int[maxNodes];
        var tokenAtNode = new int[maxNodes];
        tokenAtNode.AsSpan().Fill(NoToken);
        var nodeOfToken = new int[count];
        _twoByteNodes = new int[1 << 16];
        _twoByteNodes.AsSpan().Fill(NoToken);
        _children = [];
        ResizeChildren(1 << 16);
        int nodes = 257;
        int childCount = 0;
        for (int rank = 0; rank < count; rank++)
        {
            ReadOnlySpan<byte> token = vocabulary.GetBytes(rank);
            int node = 1 + token[0];
            for (int i = 1; i < token.Length; i++)
            {
                int child = i == 1 ? _twoByteNodes[token[0] | (token[1] << 8)] : Child(node, token[i]);
                if (child == NoToken)
                {
                    child = nodes++;
                    parent[child] = node;
                    if (i == 1)
                    {
                        _twoByteNodes[token[0] | (token[1] << 8)] = child;
                    }
                    else
                    {
                        if (++childCount > (_children.Length >> 1))
                            ResizeChildren(_children.Length * 2);
                        AddChild(node, token[i], child);
                    }
                }
                node = child;
            }
            nodeOfToken[rank] = node;
        }

        // Merge trees, in rank order so that a token's parts (lower ranks) are known before it.
        _leftPart = new int[count];
        _rightPart = new int[count];
        int joinSlots = (int)BitOperations.RoundUpToPowerOf2((uint)(count * 2));
        _joins = new ulong[joinSlots];
        _joins.AsSpan().Fill(EmptyJoin);
        _joinMask = joinSlots - 1;
        _joinShift = 64 - BitOperations.Log2((uint)joinSlots);
        var usable = new bool[count];
        for (int rank = 0; rank < count; rank++)
        {
            if (vocabulary.GetLength(rank) == 1)
                tokenAtNode[nodeOfToken[rank]] = rank;
        }
        Span<int> prefixTokens = stackalloc int[vocabulary.MaxTokenByteLength + 1];
        for (int rank = 0; rank < count; rank++)
        {
            ReadOnlySpan<byte> token = vocabulary.GetBytes(rank);
            if (token.Length == 1)
            {
                _leftPart[rank] = _rightPart[rank] = rank;
                usable[rank] = true;
                continue;
            }
            // Candidates for the left part: BPE forms a token by joining two tokens of lower rank, and the left one is
            // a usable proper prefix of it.
            int prefixes = 0;
            int node = 1 + token[0];
            for (int i = 1; ; i++)
            {
                int prefix = tokenAtNode[node];
                if (prefix != NoToken && prefix < rank)
                    prefixTokens[prefixes++] = prefix;
                if (i == token.Length)
                    break;
                node = i == 1 ? _twoByteNodes[token[0] | (token[1] << 8)] : Child(node, token[i]);
            }
            if (node != nodeOfToken[rank])
                TokenizerThrowHelper.ThrowData($"o200k_base data: the trie lost rank {rank}");
            // Longest left part first: BPE on the token's bytes, with ranks below this one, ends in exactly one
            // pair of tokens when the token is reachable, and only that pair passes the neighbour test.
            for (int p = prefixes - 1; p >= 0; p--)
            {
                int left = prefixTokens[p];
                int right = vocabulary.GetRank(token[vocabulary.GetLength(left)..]);
                if (right == NotFound || right >= rank || !usable[right] || !KeepsBoundary(left, right))
                    continue;
                _leftPart[rank] = left;
                _rightPart[rank] = right;
                usable[rank] = true;
                AddJoin(left, right, rank);
                break;
            }
            if (usable[rank])
                tokenAtNode[node] = rank;
            else
                _leftPart[rank] = _rightPart[rank] = NoToken;   // BPE never produces it: never offered
        }
        for (int b = 0; b < 256; b++)
        {
            if (tokenAtNode[1 + b] == NoToken)
                TokenizerThrowHelper.ThrowData($"o200k_base data: byte {b} has no token");
        }

        // Parents precede children in node order, so one pass fills the longest usable prefix of every node.
        _longestTokenAtNode = new int[nodes];
        for (int node = 1; node < nodes; node++)
            _longestTokenAtNode[node] = tokenAtNode[node] != NoToken ? tokenAtNode[node] : _longestTokenAtNode[parent[node]];
        _shorterPrefix = new int[count];
        for (int rank = 0; rank < count; rank++)
            _shorterPrefix[rank] = vocabulary.GetLength(rank) == 1 ? NoToken : _longestTokenAtNode[parent[nodeOfToken[rank]]];
        UsableCount = usable.Count(u => u);
    }

    /// <summary>Ordinary tokens that BPE can produce (the others are never the result of a merge sequence).</summary>
    public int UsableCount { get; }

    public static BacktrackingEncoder Build(O200kVocabulary vocabulary) => new(vocabulary);

    /// <summary>True when BPE can produce <paramref name="rank"/> (its bytes encode to itself).</summary>
    public bool IsUsable(int rank) => _leftPart[rank] != NoToken;

    /// <summary>
    /// Writes the ranks of <paramref name="piece"/> to <paramref name="ranks"/> (at least piece.Length long) and
    /// returns their count, or -1 if the search fails, which the neighbour test rules out for a consistent vocabulary.
    /// </summary>
    public int Encode(ReadOnlySpan<byte> piece, Span<int> ranks)
    {
        int n = piece.Length;
        if (n == 0)
            return 0;
        int words = (n >> 6) + 1;
        ulong[] rented = ArrayPool<ulong>.Shared.Rent(words);
        try
        {
            // Positions known not to be a token boundary of the result (a suffix from there has no valid encoding).
            Span<ulong> dead = rented.AsSpan(0, words);
            dead.Clear();
            O200kVocabulary vocabulary = _vocabulary;
            ref int shorter = ref MemoryMarshal.GetArrayDataReference(_shorterPrefix);
            int count = 0;
            int position = 0;
            int token = LongestTokenAt(piece, 0);
            while (true)
            {
                int end = position + vocabulary.GetLength(token);
                if ((dead[end >> 6] & (1UL << end)) == 0 && (count == 0 || KeepsBoundaryCached(ranks[count - 1], token)))
                {
                    ranks[count++] = token;
                    position = end;
                    if (position == n)
                        return count;
                    token = LongestTokenAt(piece, position);
                    continue;
                }
                Debug.Assert((uint)token < (uint)_shorterPrefix.Length, "the trie only offers ordinary ranks");
                token = Unsafe.Add(ref shorter, token);
                while (token == NoToken)
                {
                    // Nothing fits here after the tokens chosen so far: this position cannot be a boundary.
                    if (count == 0)
                        return -1;
                    dead[position >> 6] |= 1UL << position;
                    int last = ranks[--count];
                    position -= vocabulary.GetLength(last);
                    Debug.Assert((uint)last < (uint)_shorterPrefix.Length, "ranks[] holds only ordinary ranks");
                    token = Unsafe.Add(ref shorter, last);
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>The longest usable token that starts the rest of the piece at <paramref name="position"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int LongestTokenAt(ReadOnlySpan<byte> piece, int position)
    {
        Debug.Assert((uint)position < (uint)piece.Length, "Encode asks only for positions inside the piece");
        ref byte start = ref Unsafe.Add(ref MemoryMarshal.GetReference(piece), position);
        int remaining = piece.Length - position;
        int node = 1 + start;
        if (remaining >= 2)
        {
            Debug.Assert(_twoByteNodes.Length == 1 << 16, "two bytes index the table directly");
            int two = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_twoByteNodes), start | (Unsafe.Add(ref start, 1) << 8));
            if (two != NoToken)
            {
                node = two;
                for (int i = 2; i < remaining; i++)
                {
                    int child = Child(node, Unsafe.Add(ref start, i));
                    if (child == NoToken)
                        break;
                    node = child;
                }
            }
        }
        Debug.Assert((uint)node < (uint)_longestTokenAtNode.Length, "every trie node has an entry");
        return Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_longestTokenAtNode), node);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool KeepsBoundaryCached(int left, int right)
    {
        ulong key = ((ulong)left << 18) | (uint)right;
        int slot = (int)((key * 0x9E3779B97F4A7C15UL) >> (64 - VerdictBits));
        Debug.Assert((uint)slot < (uint)_verdicts.Length, "the hash keeps VerdictBits bits");
        ref ulong entry = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_verdicts), slot);
        ulong tagged = (key << 2) | 2;   // bit 1 marks a filled entry, bit 0 holds the verdict
        ulong cached = Volatile.Read(ref entry);
        if ((cached & ~1UL) == tagged)
            return (cached & 1) != 0;
        bool keeps = KeepsBoundary(left, right);
        Volatile.Write(ref entry, tagged | (keeps ? 1UL : 0));
        return keeps;
    }

    /// <summary>
    /// Would BPE, run on the bytes of <paramref name="left"/> followed by those of <paramref name="right"/>, end with
    /// exactly these two tokens? Undoes the merges of both tokens next to the boundary, latest first; the boundary
    /// falls if a pair across it joins into a token that BPE would have formed before the merge being undone
    /// (for a tie in rank, the leftmost pair wins, hence the asymmetric limits).
    /// </summary>
    private bool KeepsBoundary(int left, int right)
    {
        ref int leftParts = ref MemoryMarshal.GetArrayDataReference(_leftPart);
        ref int rightParts = ref MemoryMarshal.GetArrayDataReference(_rightPart);
        int limit = int.MaxValue;
        while (true)
        {
            int joined = Join(left, right);
            if (joined < limit)
                return false;
            if (left > right)
            {
                limit = left;
                Debug.Assert((uint)left < (uint)_rightPart.Length && (uint)right < (uint)_leftPart.Length,
                    "merge-tree parts are usable ordinary ranks");
                left = Unsafe.Add(ref rightParts, left);
                if (left == limit)
                {
                    limit = right + 1;
                    right = Unsafe.Add(ref leftParts, right);
                    if (right + 1 == limit)
                        return true;
                }
            }
            else
            {
                limit = right + 1;
                Debug.Assert((uint)left < (uint)_rightPart.Length && (uint)right < (uint)_leftPart.Length,
                    "merge-tree parts are usable ordinary ranks");
                right = Unsafe.Add(ref leftParts, right);
                if (right + 1 == limit)
                {
                    limit = left;
                    left = Unsafe.Add(ref rightParts, left);
                    if (left == limit)
                        return true;
                }
            }
        }
    }

    /// <summary>The token whose merge pair is (left, right), or <see cref="NotFound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Join(int left, int right)
    {
        ulong key = ((ulong)left << 36) | ((ulong)right << 18);
        int slot = (int)((key * 0x9E3779B97F4A7C15UL) >> _joinShift);
        ref ulong table = ref MemoryMarshal.GetArrayDataReference(_joins);
        while (true)
        {
            Debug.Assert((uint)slot < (uint)_joins.Length, "the shift and the mask keep slots in the table");
            ulong entry = Unsafe.Add(ref table, slot);
            if ((entry & ~0x3FFFFUL) == key)
                return (int)(entry & 0x3FFFF);
            if (entry == EmptyJoin)
                return NotFound;
            slot = (slot + 1) & _joinMask;
        }
    }

    private void AddJoin(int left, int right, int joined)
    {
        ulong key = ((ulong)left << 36) | ((ulong)right << 18);
        int slot = (int)((key * 0x9E3779B97F4A7C15UL) >> _joinShift);
        while (_joins[slot] != EmptyJoin)
            slot = (slot + 1) & _joinMask;
        _joins[slot] = key | (uint)joined;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Child(int node, byte next)
    {
        uint key = ((uint)node << 8) | next;
        int slot = (int)((key * 0x9E3779B1u) >> _childShift);
        ref ulong table = ref MemoryMarshal.GetArrayDataReference(_children);
        while (true)
        {
            Debug.Assert((uint)slot < (uint)_children.Length, "the shift and the mask keep slots in the table");
            ulong entry = Unsafe.Add(ref table, slot);
            if ((uint)entry == key + 1)
                return (int)(entry >> 32);
            if (entry == 0)
                return NoToken;
            slot = (slot + 1) & _childMask;
        }
    }

    private void ResizeChildren(int slots)
    {
        ulong[] old = _children;
        _children = new ulong[slots];
        _childMask = slots - 1;
        _childShift = 32 - BitOperations.Log2((uint)slots);
        foreach (ulong entry in old)
        {
            if (entry != 0)
                AddChild((int)((uint)entry - 1) >> 8, (byte)((uint)entry - 1), (int)(entry >> 32));
        }
    }

    private void AddChild(int node, byte next, int child)
    {
        uint key = ((uint)node << 8) | next;
        int slot = (int)((key * 0x9E3779B1u) >> _childShift);
        while (_children[slot] != 0)
            slot = (slot + 1) & _childMask;
        _children[slot] = (key + 1) | ((ulong)child << 32);
    }
}
