using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// What the masks precompute once per process for o200k_harmony (it depends on nothing but the vocabulary, so every
/// grammar shares it): the mask of the text tokens, a byte trie over them, and, for each state of the JSON string
/// lexer, the mask of the tokens that stay inside the string whatever the context (xgrammar's context-independent
/// tokens) plus a trie of the tokens that close it, keyed by the bytes that follow their closing quote (the only
/// part whose validity depends on the stack). Outside strings, JSON whitespace only counts towards a cap, so the tokens
/// that begin with whitespace sit in a second trie keyed by what follows their whitespace, weighted by its length: a
/// mask walks that rest once instead of once per whitespace prefix (o200k has thousands of them).
/// </summary>
internal sealed class ConstraintVocabulary
{
    private static readonly Lazy<ConstraintVocabulary> LazyInstance = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private ConstraintVocabulary(ulong[] textMask, TokenTrie trie, TokenTrie whitespaceLed, ulong[][] stringInside, TokenTrie[] stringClosing)
    {
        TextMask = textMask;
        Trie = trie;
        WhitespaceLed = whitespaceLed;
        StringInside = stringInside;
        StringClosing = stringClosing;
    }

    public static ConstraintVocabulary Instance => LazyInstance.Value;

    /// <summary>How long building the tables took (the tokenizer already loaded), for the benchmark's report.</summary>
    public TimeSpan BuildTime { get; private init; }

    public int VocabularySize => HarmonyTokens.VocabularySize;

    public int WordCount => TokenMask.WordCount(HarmonyTokens.VocabularySize);

    /// <summary>Every ordinary token (ids below <see cref="HarmonyTokens.FirstSpecial"/>).</summary>
    public ulong[] TextMask { get; }

    /// <summary>All ordinary tokens by their bytes.</summary>
    public TokenTrie Trie { get; }

    /// <summary>The ordinary tokens that begin with JSON whitespace (space, tab, CR, LF), keyed by the bytes after their
    /// leading whitespace, each weighted by the length of that whitespace.</summary>
    public TokenTrie WhitespaceLed { get; }

    /// <summary>Whether <paramref name="b"/> is whitespace to JSON.</summary>
    public static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    /// <summary>Per string-lexer state: tokens whose every byte keeps the string open, and those that close it with
    /// their last byte (closing a free string never fails, whatever the stack holds).</summary>
    public ulong[][] StringInside { get; }

    /// <summary>Per string-lexer state: tokens that close the string before their last byte, by the bytes after the
    /// closing quote.</summary>
    public TokenTrie[] StringClosing { get; }


    private static ConstraintVocabulary Build()
    {
        var tokenizer = O200kHarmonyTokenizer.Instance;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        int words = TokenMask.WordCount(HarmonyTokens.VocabularySize);
        var textMask = new ulong[words];
        var entries = new List<(byte[] Key, int Token)>(HarmonyTokens.FirstSpecial);
        for (int id = 0; id < HarmonyTokens.FirstSpecial; id++)
        {
            var bytes = tokenizer.GetTokenBytes(id);
            if (bytes.IsEmpty)
                continue;
            textMask[id >> 6] |= 1UL << (id & 63);
            entries.Add((bytes.ToArray(), id));
        }

        var inside = new ulong[JsonStringLexer.StateCount][];
        var closing = new TokenTrie[JsonStringLexer.StateCount];
        for (int state = 0; state < JsonStringLexer.StateCount; state++)
        {
            inside[state] = new ulong[words];
            var suffixes = new List<(byte[] Key, int Token)>();
            foreach (var (key, token) in entries)
            {
                byte s = (byte)state;
                int i = 0;
                int outcome = JsonStringLexer.Continue;
                for (; i < key.Length; i++)
                {
                    outcome = JsonStringLexer.Step(ref s, key[i]);
                    if (outcome != JsonStringLexer.Continue)
                        break;
                }
                // A token that ends on the closing quote is valid whatever the stack holds, as one that stays inside.
                if (outcome == JsonStringLexer.Continue || (outcome == JsonStringLexer.Closed && i == key.Length - 1))
                    inside[state][token >> 6] |= 1UL << (token & 63);
                else if (outcome == JsonStringLexer.Closed)
                    suffixes.Add((key[(i + 1)..], token));
            }
            closing[state] = TokenTrie.Build(suffixes);
        }
        var whitespaceLed = new List<(byte[] Key, int Token, byte Weight)>();
        foreach (var (key, token) in entries)
        {
            int lead = 0;
            while (lead < key.Length && IsJsonWhitespace(key[lead]))
                lead++;
            if (lead > 0)
                whitespaceLed.Add((key[lead..], token, (byte)lead));
        }
        var trie = TokenTrie.Build(entries);
        return new ConstraintVocabulary(textMask, trie, TokenTrie.Build(whitespaceLed), inside, closing) { BuildTime = System.Diagnostics.Stopwatch.GetElapsedTime(started) };
    }
}
