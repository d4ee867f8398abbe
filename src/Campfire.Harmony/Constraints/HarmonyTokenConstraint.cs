using System.Runtime.CompilerServices;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// One sequence under a <see cref="HarmonyTokenGrammar"/>: where it is (header node, free text, JSON machine, between
/// messages, done) and the scratch states of the mask walk, allocated once here so that a warm mask allocates nothing.
/// </summary>
internal sealed class HarmonyTokenConstraint : ITokenConstraint
{
    private readonly HarmonyTokenGrammar _grammar;
    private readonly ConstraintVocabulary _vocabulary;
    private readonly O200kHarmonyTokenizer _tokenizer = O200kHarmonyTokenizer.Instance;
    private readonly int[] _headerStates;
    private JsonScratch? _json; // allocated on the first JSON content (or Prepare): free-text turns never need it

    private Phase _phase;
    private int _headerNode;
    private MessageRule _rule;
    private JsonMachine _machine;
    private JsonMachine _afterWhitespace; // scratch of the whitespace-led walk

    // How many of the closing-walk tokens in the JSON scratch are valid (-1: none), and the closed state that walk
    // started from: while a string goes on token after token, the state after its closing quote does not change, and
    // neither do those tokens.
    private int _closingCount = -1;
    private JsonMachine _closingFrom;

    private enum Phase : byte { Header, Text, Json, BetweenMessages, Complete }

    public HarmonyTokenConstraint(HarmonyTokenGrammar grammar)
    {
        _grammar = grammar;
        _vocabulary = grammar.Vocabulary;
        int depth = _vocabulary.Trie.MaxDepth + 2;
        _headerStates = new int[depth];
        _phase = Phase.Header;
        _headerNode = grammar.Header.AfterRole;
    }

    public int VocabularySize => HarmonyTokens.VocabularySize;

    /// <summary>Back to right after <c>&lt;|start|&gt;assistant</c>, keeping the scratch states (benchmarks reuse one
    /// constraint per sequence so that they measure the per-token work alone).</summary>
    internal void Reset()
    {
        _phase = Phase.Header;
        _headerNode = _grammar.Header.AfterRole;
        _rule = default;
        _machine = default;
        _closingCount = -1;
    }

    public bool IsComplete => _phase == Phase.Complete;

    public void Prepare()
    {
        _ = Json;
        _grammar.WarmUp();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteAllowedTokens(Span<ulong> mask)
    {
        int words = _vocabulary.WordCount;
        if (mask.Length < words)
            ConstraintThrowHelper.ThrowMaskTooShort(mask.Length, words);
        mask[words..].Clear();
        mask = mask[..words];
        switch (_phase)
        {
            case Phase.Header:
                WriteHeader(mask);
                break;
            case Phase.Text:
                _vocabulary.TextMask.CopyTo(mask);
                if (_rule.AllowEnd) Set(mask, HarmonyTokens.End);
                if (_rule.AllowReturn) Set(mask, HarmonyTokens.Return);
                if (_rule.AllowCall) Set(mask, HarmonyTokens.Call);
                break;
            case Phase.Json:
                WriteJson(mask);
                break;
            case Phase.BetweenMessages:
                mask.Clear();
                Set(mask, HarmonyTokens.Start);
                break;
            default:
                mask.Clear();
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAccept(int tokenId)
    {
        if ((uint)tokenId >= HarmonyTokens.VocabularySize)
            return false;
        switch (_phase)
        {
            case Phase.Header:
                return AcceptHeader(tokenId);
            case Phase.Text:
                if (tokenId < HarmonyTokens.FirstSpecial)
                    return IsText(tokenId);
                return AcceptTerminator(tokenId, true);
            case Phase.Json:
                if (tokenId >= HarmonyTokens.FirstSpecial)
                    return AcceptTerminator(tokenId, _machine.IsAccepting(_grammar.Schema));
                return AcceptJson(tokenId);
            case Phase.BetweenMessages:
                if (tokenId != HarmonyTokens.Start)
                    return false;
                _phase = Phase.Header;
                _headerNode = 0;
                return true;
            default:
                return false;
        }
    }

    private bool IsText(int tokenId) => (_vocabulary.TextMask[tokenId >> 6] & (1UL << (tokenId & 63))) != 0;

    private bool AcceptTerminator(int tokenId, bool contentComplete)
    {
        switch (tokenId)
        {
            case HarmonyTokens.End when _rule.AllowEnd:
                _phase = Phase.BetweenMessages;
                return true;
            case HarmonyTokens.Return when _rule.AllowReturn:
            case HarmonyTokens.Call when _rule.AllowCall && contentComplete:
                _phase = Phase.Complete;
                return true;
            default:
                return false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AcceptHeader(int tokenId)
    {
        var header = _grammar.Header;
        int symbol = tokenId switch
        {
            HarmonyTokens.Channel => HeaderAutomaton.ChannelSymbol,
            HarmonyTokens.Constrain => HeaderAutomaton.ConstrainSymbol,
            _ => -1,
        };
        if (symbol >= 0)
        {
            int child = header.Child(_headerNode, symbol);
            if (child < 0)
                return false;
            _headerNode = child;
            return true;
        }
        if (tokenId == HarmonyTokens.Message)
        {
            int rule = header.Rule(_headerNode);
            if (rule < 0)
                return false;
            _rule = _grammar.Rules[rule];
            if (_rule.IsJson)
            {
                _machine = JsonMachine.Start(_rule.SchemaRoot);
                _phase = Phase.Json;
            }
            else
            {
                _phase = Phase.Text;
            }
            return true;
        }
        if (tokenId >= HarmonyTokens.FirstSpecial)
            return false;
        int node = _headerNode;
        foreach (byte b in _tokenizer.GetTokenBytes(tokenId))
        {
            node = header.Child(node, b);
            if (node < 0)
                return false;
        }
        if (node == _headerNode)
            return false; // an empty token
        _headerNode = node;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AcceptJson(int tokenId)
    {
        var bytes = _tokenizer.GetTokenBytes(tokenId);
        if (bytes.IsEmpty)
            return false;
        ref JsonMachine scratch = ref JsonStates[0];
        scratch.CopyFrom(in _machine);
        var schema = _grammar.Schema;
        foreach (byte b in bytes)
        {
            if (!scratch.Step(b, schema))
                return false;
        }
        _machine.CopyFrom(in scratch);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteHeader(Span<ulong> mask)
    {
        mask.Clear();
        var header = _grammar.Header;
        _headerStates[0] = _headerNode;
        var stepper = new HeaderStepper(header, _headerStates);
        _vocabulary.Trie.Walk(ref stepper, mask);
        if (header.Child(_headerNode, HeaderAutomaton.ChannelSymbol) >= 0) Set(mask, HarmonyTokens.Channel);
        if (header.Child(_headerNode, HeaderAutomaton.ConstrainSymbol) >= 0) Set(mask, HarmonyTokens.Constrain);
        if (header.Rule(_headerNode) >= 0) Set(mask, HarmonyTokens.Message);
    }

    private JsonMachine[] JsonStates => Json.States;

    private JsonScratch Json => _json ??= new JsonScratch(_vocabulary.Trie.MaxDepth + 2);

    /// <summary>What JSON content needs, in one allocation per sequence: a machine snapshot per byte of the longest
    /// token (the mask walk's states) and room for the tokens of a string-closing walk.</summary>
    private sealed class JsonScratch(int depth)
    {
        public readonly JsonMachine[] States = new JsonMachine[depth];
        public readonly int[] ClosingTokens = new int[2048];
    }

    /// <summary>The JSON mask by walking the whole vocabulary trie, without the string cache: what the cache must
    /// equal (tests compare the two at every position).</summary>
    internal void WriteAllowedTokensUncached(Span<ulong> mask)
    {
        if (_phase != Phase.Json)
        {
            WriteAllowedTokens(mask);
            return;
        }
        mask = mask[.._vocabulary.WordCount];
        mask.Clear();
        var states = JsonStates;
        var stepper = new JsonStepper(_grammar.Schema, states);
        states[0].CopyFrom(in _machine);
        _vocabulary.Trie.Walk(ref stepper, mask);
        if (_rule.AllowCall && _machine.IsAccepting(_grammar.Schema))
            Set(mask, HarmonyTokens.Call);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteJson(Span<ulong> mask)
    {
        var schema = _grammar.Schema;
        var states = JsonStates;
        var stepper = new JsonStepper(schema, states);
        if (_machine.InFreeString)
        {
            // Tokens that stay inside the string, or end on its closing quote, are valid whatever the stack holds: one
            // copy of the cached mask. Only the tokens that go on after the quote depend on the context.
            int state = _machine.StringState;
            _vocabulary.StringInside[state].CopyTo(mask);
            ref JsonMachine closed = ref states[0];
            closed.CopyFrom(in _machine);
            closed.CloseString(schema);
            var known = Json.ClosingTokens;
            if (_closingCount >= 0 && closed.SameAs(in _closingFrom))
            {
                foreach (int id in known.AsSpan(0, _closingCount))
                    mask[id >> 6] |= 1UL << (id & 63);
                return;
            }
            int recorded = 0;
            _vocabulary.StringClosing[state].Walk(ref stepper, mask, byte.MaxValue, known, ref recorded);
            _closingCount = recorded <= known.Length ? recorded : -1;
            _closingFrom.CopyFrom(in closed);
            return;
        }
        mask.Clear();
        states[0].CopyFrom(in _machine);
        int budget = _machine.LayoutWhitespaceBudget(schema, ref _afterWhitespace);
        if (budget < 0)
        {
            _vocabulary.Trie.Walk(ref stepper, mask);
        }
        else
        {
            // Tokens without leading whitespace from here; those with it from the state after it, once for all of
            // their whitespace prefixes, each within the whitespace budget.
            var unled = new JsonStepper(schema, states, refuseLeadingWhitespace: true);
            _vocabulary.Trie.Walk(ref unled, mask);
            states[0].CopyFrom(in _afterWhitespace);
            var whitespaceLed = _vocabulary.WhitespaceLed;
            whitespaceLed.SetRootBits(mask, budget);
            whitespaceLed.Walk(ref stepper, mask, budget);
        }
        if (_rule.AllowCall && _machine.IsAccepting(schema))
            Set(mask, HarmonyTokens.Call);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Set(Span<ulong> mask, int id) => mask[id >> 6] |= 1UL << (id & 63);

    private readonly struct HeaderStepper(HeaderAutomaton header, int[] states) : ITrieStepper
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Step(int depth, byte value)
        {
            int child = header.Child(states[depth - 1], value);
            states[depth] = child;
            return child >= 0;
        }
    }

    private readonly struct JsonStepper(CompiledJsonSchema schema, JsonMachine[] states, bool refuseLeadingWhitespace = false) : ITrieStepper
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Step(int depth, byte value)
        {
            if (refuseLeadingWhitespace && depth == 1 && ConstraintVocabulary.IsJsonWhitespace(value))
                return false;
            ref JsonMachine parent = ref states[depth - 1];
            if (!parent.MayTake(value))
                return false;
            ref JsonMachine state = ref states[depth];
            state.CopyFrom(in parent);
            return state.Step(value, schema);
        }
    }
}
