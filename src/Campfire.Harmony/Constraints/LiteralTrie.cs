namespace Campfire.Harmony.Constraints;

/// <summary>
/// Tries of exact byte strings a value or key must spell (enum values, property names), shared by one schema set.
/// A node may accept (a complete literal ends there), carry the property index it names, and knows which property
/// indices can still be reached below it, so that a key already used (or one that would leave no unused name)
/// is pruned at its first byte rather than at its end.
/// </summary>
internal sealed class LiteralTrie
{
    private readonly List<Dictionary<byte, int>> _children = [];
    private readonly List<bool> _accept = [];
    private readonly List<int> _property = [];
    private readonly List<ulong> _reach = [];

    // Frozen form: per node a span of (byte, child) pairs.
    private int[] _childStart = [];
    private byte[] _childByte = [];
    private int[] _childNode = [];
    private bool[] _acceptFrozen = [];
    private int[] _propertyFrozen = [];
    private ulong[] _reachFrozen = [];

    public int NewRoot() => NewNode();

    private int NewNode()
    {
        _children.Add([]);
        _accept.Add(false);
        _property.Add(-1);
        _reach.Add(0);
        return _children.Count - 1;
    }

    /// <summary>Adds <paramref name="bytes"/> under <paramref name="root"/>; <paramref name="property"/> ≥ 0 marks a
    /// property name (index &lt; 64).</summary>
    public void Add(int root, ReadOnlySpan<byte> bytes, int property)
    {
        ulong bit = property >= 0 ? 1UL << property : 0;
        int node = root;
        _reach[node] |= bit;
        foreach (byte b in bytes)
        {
            if (!_children[node].TryGetValue(b, out int child))
            {
                child = NewNode();
                _children[node][b] = child;
            }
            node = child;
            _reach[node] |= bit;
        }
        _accept[node] = true;
        if (property >= 0)
            _property[node] = property;
    }

    public void Freeze()
    {
        int n = _children.Count;
        _childStart = new int[n + 1];
        var bytes = new List<byte>();
        var nodes = new List<int>();
        for (int i = 0; i < n; i++)
        {
            _childStart[i] = bytes.Count;
            foreach (var (b, child) in _children[i].OrderBy(kv => kv.Key))
            {
                bytes.Add(b);
                nodes.Add(child);
            }
        }
        _childStart[n] = bytes.Count;
        _childByte = [.. bytes];
        _childNode = [.. nodes];
        _acceptFrozen = [.. _accept];
        _propertyFrozen = [.. _property];
        _reachFrozen = [.. _reach];
    }

    /// <summary>The child of <paramref name="node"/> on <paramref name="value"/>, or -1.</summary>
    public int Child(int node, byte value)
    {
        int from = _childStart[node], to = _childStart[node + 1];
        for (int i = from; i < to; i++)
        {
            if (_childByte[i] == value)
                return _childNode[i];
        }
        return -1;
    }

    public bool Accepts(int node) => _acceptFrozen[node];

    public int Property(int node) => _propertyFrozen[node];

    public ulong Reach(int node) => _reachFrozen[node];
}
