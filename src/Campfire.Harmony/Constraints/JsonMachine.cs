using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// A pushdown automaton over the bytes of one JSON value that matches a <see cref="CompiledJsonSchema"/> node: a stack
/// of open objects and arrays (each with the schema node, the properties already written, the node of the value to
/// come) and the lexer state of the scalar being read. A value struct: a copy is a snapshot, which is how the mask walk
/// tries a byte and backs out. Whitespace is admitted wherever JSON admits it, at most
/// <see cref="MaxWhitespaceRun"/> bytes in a row: pretty-printed arguments indent far less, and an unbounded run is
/// how a sampler gets stuck emitting blanks.
/// </summary>
internal struct JsonMachine
{
    public const int MaxFrames = CompiledJsonSchema.MaxDepth + 2;

    /// <summary>The longest run of whitespace admitted between JSON tokens.</summary>
    public const int MaxWhitespaceRun = 48;

    private Frames _frames;
    private byte _depth;
    private Mode _mode;
    private byte _sub;
    private int _node;
    private int _lit;
    private byte _whitespace; // whitespace bytes in a row so far

    private enum Mode : byte
    {
        Value, StrValue, StrKey, LitValue, LitKey, Keyword, Num, AfterValue, ObjFirst, ObjNext, Colon, ArrFirst, ArrNext, Done,
    }

    // Number lexer states (in _sub); _lit is 1 for integers.
    private const byte NumMinus = 0, NumZero = 1, NumInt = 2, NumDot = 3, NumFrac = 4, NumExp = 5, NumExpSign = 6, NumExpDigits = 7;

    public static JsonMachine Start(int node) => new() { _mode = Mode.Value, _node = node };

    /// <summary>Inside a string with no fixed spelling (a free string value or a free key): the mask then comes from the
    /// per-vocabulary string cache.</summary>
    public readonly bool InFreeString => _mode is Mode.StrValue or Mode.StrKey;

    /// <summary>Whether <paramref name="b"/> could be the next byte: outside strings and literals only JSON's own
    /// ASCII can follow, so the mask walk refuses every other byte before copying the state to step it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool MayTake(byte b) =>
        _mode is Mode.StrValue or Mode.StrKey or Mode.LitValue or Mode.LitKey || OutsideStringBytes[b] != 0;

    // ws, structure, numbers, and the letters of true/false/null.
    private static ReadOnlySpan<byte> OutsideStringBytes => [
        0,0,0,0,0,0,0,0,0,1,1,0,0,1,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
        1,0,1,0,0,0,0,0,0,0,0,1,1,1,1,0, 1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,
        0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,1,0,1,0,0,
        0,1,0,0,0,1,1,0,0,0,0,0,1,0,1,0, 0,0,1,1,1,1,0,0,0,0,0,1,0,1,0,0,
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    ];

    /// <summary>The string lexer's state while <see cref="InFreeString"/>.</summary>
    public readonly int StringState => _sub;

    /// <summary>The value is complete: the content may end here (only whitespace could follow).</summary>
    public readonly bool IsAccepting(CompiledJsonSchema schema) =>
        _mode == Mode.Done
        || (_depth == 0 && (_mode == Mode.AfterValue
            || (_mode == Mode.Num && _sub is NumZero or NumInt or NumFrac or NumExpDigits)
            || (_mode == Mode.LitValue && schema.Literals.Accepts(_lit))));

    /// <summary>
    /// Whether whitespace here is layout: a run of whitespace bytes, of any of JSON's four kinds and any length within the
    /// cap, leads to one state that differs only in its count, which the next other byte resets. Then
    /// <paramref name="afterWhitespace"/> is that state and the result is how many whitespace bytes may still follow
    /// (at least 1); otherwise -1: whitespace is refused here, or it is content (inside a string or a literal that has
    /// blanks). The mask walks the tokens that begin with whitespace once from <paramref name="afterWhitespace"/>
    /// instead of once per whitespace prefix.
    /// </summary>
    public readonly int LayoutWhitespaceBudget(CompiledJsonSchema schema, ref JsonMachine afterWhitespace)
    {
        switch (_mode)
        {
            case Mode.StrValue or Mode.StrKey or Mode.LitKey or Mode.Keyword:
                return -1;
            case Mode.LitValue:
                // A literal that is complete and cannot go on with any whitespace byte ends at the first one, whichever.
                if (!schema.Literals.Accepts(_lit)
                    || schema.Literals.Child(_lit, (byte)' ') >= 0 || schema.Literals.Child(_lit, (byte)'\t') >= 0
                    || schema.Literals.Child(_lit, (byte)'\n') >= 0 || schema.Literals.Child(_lit, (byte)'\r') >= 0)
                    return -1;
                break;
        }
        int budget = MaxWhitespaceRun - _whitespace;
        if (budget <= 0)
            return -1;
        afterWhitespace.CopyFrom(in this);
        if (!afterWhitespace.Step((byte)' ', schema))
            return -1;
        // In these modes every whitespace byte is taken without any change but the count.
        return afterWhitespace._mode is Mode.Value or Mode.AfterValue or Mode.ObjFirst or Mode.ObjNext or Mode.Colon
            or Mode.ArrFirst or Mode.Done ? budget : -1;
    }

    /// <summary>Whether <paramref name="other"/> is the same state (frames in use, modes, counters).</summary>
    public readonly bool SameAs(in JsonMachine other)
    {
        if (_depth != other._depth || _mode != other._mode || _sub != other._sub || _node != other._node
            || _lit != other._lit || _whitespace != other._whitespace)
            return false;
        for (int i = 0; i < _depth; i++)
        {
            Frame a = _frames[i], b = other._frames[i];
            if (a.Seen != b.Seen || a.Node != b.Node || a.ValueNode != b.ValueNode || a.IsObject != b.IsObject)
                return false;
        }
        return true;
    }

    /// <summary>Copies <paramref name="source"/>, only the frames in use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CopyFrom(in JsonMachine source)
    {
        _depth = source._depth;
        _mode = source._mode;
        _sub = source._sub;
        _node = source._node;
        _lit = source._lit;
        _whitespace = source._whitespace;
        for (int i = 0; i < source._depth; i++)
            _frames[i] = source._frames[i];
    }

    /// <summary>Closes the free string being read, as its closing quote would.</summary>
    public void CloseString(CompiledJsonSchema schema)
    {
        _whitespace = 0; // the quote ends any run of blanks the string held
        if (_mode == Mode.StrKey)
        {
            ref Frame top = ref _frames[_depth - 1];
            top.ValueNode = schema.Nodes[top.Node].Additional;
            _mode = Mode.Colon;
        }
        else
        {
            _mode = Mode.AfterValue;
        }
    }

    /// <summary>Advances by one byte; false (and the state is then undefined) when no valid value continues so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Step(byte b, CompiledJsonSchema schema)
    {
        if (!IsWhitespace(b))
            _whitespace = 0;
        else if (++_whitespace > MaxWhitespaceRun && _mode is not (Mode.StrValue or Mode.StrKey or Mode.LitValue or Mode.LitKey))
            return false;
        else if (_whitespace > MaxWhitespaceRun)
            _whitespace = MaxWhitespaceRun; // inside a string: content, not layout
        while (true)
        {
            switch (_mode)
            {
                case Mode.StrValue:
                case Mode.StrKey:
                {
                    int r = JsonStringLexer.Step(ref _sub, b);
                    if (r == JsonStringLexer.Closed)
                    {
                        CloseString(schema);
                        return true;
                    }
                    return r == JsonStringLexer.Continue;
                }
                case Mode.Value:
                    return IsWhitespace(b) || StartValue(b, schema);
                case Mode.LitValue:
                {
                    int child = schema.Literals.Child(_lit, b);
                    if (child >= 0)
                    {
                        _lit = child;
                        return true;
                    }
                    if (!schema.Literals.Accepts(_lit))
                        return false;
                    _mode = Mode.AfterValue;
                    continue;
                }
                case Mode.LitKey:
                {
                    int child = schema.Literals.Child(_lit, b);
                    if (child < 0)
                        return false;
                    ref Frame top = ref _frames[_depth - 1];
                    if ((schema.Literals.Reach(child) & ~top.Seen) == 0)
                        return false;
                    _lit = child;
                    int property = schema.Literals.Property(child);
                    if (property >= 0)
                    {
                        top.Seen |= 1UL << property;
                        top.ValueNode = schema.PropertyNodes[schema.Nodes[top.Node].PropertyStart + property];
                        _mode = Mode.Colon;
                    }
                    return true;
                }
                case Mode.Keyword:
                {
                    ReadOnlySpan<byte> word = _sub switch { 0 => "true"u8, 1 => "false"u8, _ => "null"u8 };
                    if (b != word[_lit])
                        return false;
                    if (++_lit == word.Length)
                        _mode = Mode.AfterValue;
                    return true;
                }
                case Mode.Num:
                    if (StepNumber(b))
                        return true;
                    if (_sub is not (NumZero or NumInt or NumFrac or NumExpDigits))
                        return false;
                    _mode = Mode.AfterValue;
                    continue;
                case Mode.AfterValue:
                    if (_depth == 0)
                    {
                        _mode = Mode.Done;
                        continue;
                    }
                    return AfterValue(b, schema);
                case Mode.ObjFirst:
                    if (IsWhitespace(b)) return true;
                    if (b == (byte)'"') return BeginKey(schema);
                    return b == (byte)'}' && CloseObject(schema);
                case Mode.ObjNext:
                    if (IsWhitespace(b)) return true;
                    return b == (byte)'"' && BeginKey(schema);
                case Mode.Colon:
                    if (IsWhitespace(b)) return true;
                    if (b != (byte)':') return false;
                    _mode = Mode.Value;
                    _node = _frames[_depth - 1].ValueNode;
                    return true;
                case Mode.ArrFirst:
                    if (IsWhitespace(b)) return true;
                    if (b == (byte)']')
                    {
                        _depth--;
                        _mode = Mode.AfterValue;
                        return true;
                    }
                    _mode = Mode.Value;
                    _node = _frames[_depth - 1].ValueNode;
                    continue;
                case Mode.ArrNext:
                    _mode = Mode.Value;
                    _node = _frames[_depth - 1].ValueNode;
                    continue;
                default: // Done
                    return IsWhitespace(b);
            }
        }
    }

    private bool StartValue(byte b, CompiledJsonSchema schema)
    {
        SchemaNode node = schema.Nodes[_node];
        if (node.LiteralRoot >= 0)
        {
            int child = schema.Literals.Child(node.LiteralRoot, b);
            if (child < 0)
                return false;
            _mode = Mode.LitValue;
            _lit = child;
            return true;
        }
        JsonTypes types = node.Types;
        switch (b)
        {
            case (byte)'"' when (types & JsonTypes.String) != 0:
                _mode = Mode.StrValue;
                _sub = 0;
                return true;
            case (byte)'-' or (>= (byte)'0' and <= (byte)'9') when (types & (JsonTypes.Number | JsonTypes.Integer)) != 0:
                _mode = Mode.Num;
                _lit = (types & JsonTypes.Number) == 0 ? 1 : 0;
                _sub = b == (byte)'-' ? NumMinus : b == (byte)'0' ? NumZero : NumInt;
                return true;
            case (byte)'t' or (byte)'f' when (types & JsonTypes.Boolean) != 0:
                _mode = Mode.Keyword;
                _sub = b == (byte)'t' ? (byte)0 : (byte)1;
                _lit = 1;
                return true;
            case (byte)'n' when (types & JsonTypes.Null) != 0:
                _mode = Mode.Keyword;
                _sub = 2;
                _lit = 1;
                return true;
            case (byte)'{' when (types & JsonTypes.Object) != 0:
                if (_depth == MaxFrames)
                    return false;
                _frames[_depth++] = new Frame { Node = _node, IsObject = true };
                _mode = Mode.ObjFirst;
                return true;
            case (byte)'[' when (types & JsonTypes.Array) != 0:
                if (_depth == MaxFrames)
                    return false;
                _frames[_depth++] = new Frame { Node = _node, ValueNode = node.Items };
                _mode = Mode.ArrFirst;
                return true;
            default:
                return false;
        }
    }

    private bool StepNumber(byte b)
    {
        bool digit = (uint)(b - '0') <= 9;
        bool integer = _lit != 0;
        switch (_sub)
        {
            case NumMinus:
                if (!digit) return false;
                _sub = b == (byte)'0' ? NumZero : NumInt;
                return true;
            case NumZero:
            case NumInt:
                if (digit && _sub == NumInt) return true;
                if (integer) return false;
                if (b == (byte)'.') { _sub = NumDot; return true; }
                if (b is (byte)'e' or (byte)'E') { _sub = NumExp; return true; }
                return false;
            case NumDot:
                if (!digit) return false;
                _sub = NumFrac;
                return true;
            case NumFrac:
                if (digit) return true;
                if (b is (byte)'e' or (byte)'E') { _sub = NumExp; return true; }
                return false;
            case NumExp:
                if (b is (byte)'+' or (byte)'-') { _sub = NumExpSign; return true; }
                if (!digit) return false;
                _sub = NumExpDigits;
                return true;
            case NumExpSign:
                if (!digit) return false;
                _sub = NumExpDigits;
                return true;
            default: // NumExpDigits
                return digit;
        }
    }

    private bool AfterValue(byte b, CompiledJsonSchema schema)
    {
        if (IsWhitespace(b))
            return true;
        ref Frame top = ref _frames[_depth - 1];
        if (top.IsObject)
        {
            if (b == (byte)',')
            {
                SchemaNode node = schema.Nodes[top.Node];
                if (node.KeyRoot >= 0 && (schema.Literals.Reach(node.KeyRoot) & ~top.Seen) == 0)
                    return false;
                _mode = Mode.ObjNext;
                return true;
            }
            return b == (byte)'}' && CloseObject(schema);
        }
        if (b == (byte)',')
        {
            _mode = Mode.ArrNext;
            return true;
        }
        if (b != (byte)']')
            return false;
        _depth--;
        return true; // still AfterValue, now of the enclosing container
    }

    private bool BeginKey(CompiledJsonSchema schema)
    {
        ref Frame top = ref _frames[_depth - 1];
        int keyRoot = schema.Nodes[top.Node].KeyRoot;
        if (keyRoot < 0)
        {
            _mode = Mode.StrKey;
            _sub = 0;
            return true;
        }
        if ((schema.Literals.Reach(keyRoot) & ~top.Seen) == 0)
            return false;
        _mode = Mode.LitKey;
        _lit = keyRoot;
        return true;
    }

    private bool CloseObject(CompiledJsonSchema schema)
    {
        ref Frame top = ref _frames[_depth - 1];
        if ((schema.Nodes[top.Node].Required & ~top.Seen) != 0)
            return false;
        _depth--;
        _mode = Mode.AfterValue;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    private struct Frame
    {
        public ulong Seen;
        public int Node;
        public int ValueNode;
        public bool IsObject;
    }

    [InlineArray(MaxFrames)]
    private struct Frames
    {
        private Frame _element;
    }
}
