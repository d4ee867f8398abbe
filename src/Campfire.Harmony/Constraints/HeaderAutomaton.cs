using System.Text;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// The finite set of assistant headers a grammar admits, as a trie over bytes and the two header special tokens
/// (<c>&lt;|channel|&gt;</c>, <c>&lt;|constrain|&gt;</c>); a node from which <c>&lt;|message|&gt;</c> may follow carries
/// the <see cref="MessageRule"/> of the content it opens. Node 0 follows <c>&lt;|start|&gt;</c>;
/// <see cref="AfterRole"/> follows <c>&lt;|start|&gt;assistant</c>.
/// </summary>
internal sealed class HeaderAutomaton
{
    public const int ChannelSymbol = 256;
    public const int ConstrainSymbol = 257;

    private readonly int[] _childStart;
    private readonly int[] _childSymbol;
    private readonly int[] _childNode;
    private readonly int[] _rule;

    private HeaderAutomaton(int[] childStart, int[] childSymbol, int[] childNode, int[] rule, int afterRole)
    {
        _childStart = childStart;
        _childSymbol = childSymbol;
        _childNode = childNode;
        _rule = rule;
        AfterRole = afterRole;
    }

    public int AfterRole { get; }

    public int NodeCount => _rule.Length;

    /// <summary>The child of <paramref name="node"/> on <paramref name="symbol"/> (a byte, or a special symbol), or -1.</summary>
    public int Child(int node, int symbol)
    {
        int from = _childStart[node], to = _childStart[node + 1];
        for (int i = from; i < to; i++)
        {
            if (_childSymbol[i] == symbol)
                return _childNode[i];
        }
        return -1;
    }

    /// <summary>The rule of the message that <c>&lt;|message|&gt;</c> would open at <paramref name="node"/>, or -1.</summary>
    public int Rule(int node) => _rule[node];

    /// <summary>A header: its symbols after <c>&lt;|start|&gt;assistant</c> and the rule of its content.</summary>
    public readonly record struct Form(int[] Symbols, int Rule);

    public static HeaderAutomaton Build(IEnumerable<Form> forms)
    {
        var children = new List<Dictionary<int, int>> { new() };
        var rules = new List<int> { -1 };
        int Walk(int node, int symbol)
        {
            if (!children[node].TryGetValue(symbol, out int child))
            {
                child = children.Count;
                children.Add([]);
                rules.Add(-1);
                children[node][symbol] = child;
            }
            return child;
        }
        int afterRole = 0;
        foreach (byte b in "assistant"u8)
            afterRole = Walk(afterRole, b);
        foreach (var form in forms)
        {
            int node = afterRole;
            foreach (int symbol in form.Symbols)
                node = Walk(node, symbol);
            if (rules[node] >= 0 && rules[node] != form.Rule)
                throw new InvalidOperationException("two headers with the same spelling open different kinds of content");
            rules[node] = form.Rule;
        }
        var childStart = new int[children.Count + 1];
        var symbols = new List<int>();
        var nodes = new List<int>();
        for (int i = 0; i < children.Count; i++)
        {
            childStart[i] = symbols.Count;
            foreach (var (symbol, child) in children[i].OrderBy(kv => kv.Key))
            {
                symbols.Add(symbol);
                nodes.Add(child);
            }
        }
        childStart[children.Count] = symbols.Count;
        return new HeaderAutomaton(childStart, [.. symbols], [.. nodes], [.. rules], afterRole);
    }

    /// <summary>Symbols of a text piece followed by more pieces (special symbols given as ints).</summary>
    public static int[] Symbols(params object[] pieces)
    {
        var list = new List<int>();
        foreach (var piece in pieces)
        {
            if (piece is int symbol)
                list.Add(symbol);
            else
                foreach (byte b in Encoding.UTF8.GetBytes((string)piece))
                    list.Add(b);
        }
        return [.. list];
    }
}
