using System.Collections.Concurrent;
using Campfire.Harmony.Model;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Constraints;

/// <summary>
/// The token grammar of an assistant turn for one tool set and channel set: which headers, contents and terminators
/// may follow <c>&lt;|start|&gt;assistant</c>. Immutable and thread-safe; compiled once per distinct options and cached
/// (the per-vocabulary tables are built once per process), so asking for it every turn is a dictionary look-up.
/// <see cref="Start()"/> gives the per-sequence <see cref="ITokenConstraint"/>.
/// </summary>
/// <remarks>
/// Headers: <c>&lt;|channel|&gt;C</c> for a valid channel C (optional when the conversation does not require one), an
/// optional recipient <c> to=R</c> for a registered tool, before the channel (as the renderer writes calls) or after it
/// (as gpt-oss writes them), and for a recipient an optional content type: <c> code</c>, <c> &lt;|constrain|&gt;json</c> or
/// <c>&lt;|constrain|&gt;json</c>; then <c>&lt;|message|&gt;</c>. Content: ordinary tokens only; to a tool with methods, one
/// JSON value of its parameter schema (whitespace wherever JSON allows it). Terminators: <c>&lt;|call|&gt;</c> only after
/// a recipient (for JSON, once the value is complete); <c>&lt;|end|&gt;</c> and <c>&lt;|return|&gt;</c> only without one,
/// <c>&lt;|return|&gt;</c> only on the final channel (or with no channel). After <c>&lt;|end|&gt;</c> only
/// <c>&lt;|start|&gt;assistant</c> and a new header. The sequence is complete after <c>&lt;|return|&gt;</c> or
/// <c>&lt;|call|&gt;</c> — the stop tokens of an assistant turn; <c>&lt;|end|&gt;</c> does not end it.
/// </remarks>
public sealed class HarmonyTokenGrammar
{
    private static readonly ConcurrentDictionary<string, HarmonyTokenGrammar> Cache = new(StringComparer.Ordinal);
    private const int CacheLimit = 256;

    private HarmonyTokenGrammar(HarmonyGrammarOptions options)
    {
        Options = options;
        Vocabulary = ConstraintVocabulary.Instance;
        Schema = new CompiledJsonSchema();
        var rules = new List<MessageRule>
        {
            new(-1, AllowEnd: true, AllowReturn: false, AllowCall: false), // 0: a message to all, not final
            new(-1, AllowEnd: true, AllowReturn: true, AllowCall: false),  // 1: a final answer (or a message without channel)
        };
        var recipients = new List<(string Name, int Rule)>();
        foreach (var ns in options.ToolNamespaces)
        {
            if (ns.Tools.IsDefaultOrEmpty)
            {
                rules.Add(new MessageRule(-1, false, false, AllowCall: true));
                recipients.Add((ns.Name, rules.Count - 1));
                continue;
            }
            foreach (var tool in ns.Tools)
            {
                string recipient = ns.Name + "." + tool.Name;
                int root = tool.Parameters is { } parameters
                    ? Schema.Add(recipient, parameters)
                    : Schema.Add(recipient, EmptyObjectSchema.RootElement);
                rules.Add(new MessageRule(root, false, false, AllowCall: true));
                recipients.Add((recipient, rules.Count - 1));
            }
        }
        Schema.Freeze();
        Rules = [.. rules];
        Header = HeaderAutomaton.Build(Forms(options, recipients));
        _warmUp = new Lazy<TimeSpan>(() => ConstraintWarmUp.Run(this), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private readonly Lazy<TimeSpan> _warmUp;

    /// <summary>Samples a few sequences under a scratch constraint, once per grammar (later calls, and calls from other
    /// threads meanwhile, wait for that one); returns how long it took.</summary>
    internal TimeSpan WarmUp() => _warmUp.Value;

    private static readonly System.Text.Json.JsonDocument EmptyObjectSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object"}""");

    /// <summary>The tools and channels this grammar admits.</summary>
    public HarmonyGrammarOptions Options { get; }

    internal ConstraintVocabulary Vocabulary { get; }

    internal CompiledJsonSchema Schema { get; }

    internal MessageRule[] Rules { get; }

    internal HeaderAutomaton Header { get; }

    /// <summary>The grammar of <paramref name="conversation"/>'s next assistant turn, from its tools and channel
    /// config as the renderer and parser see them (<see cref="HarmonyGrammarOptions.FromConversation"/>); cached.</summary>
    /// <exception cref="ConstraintSchemaException">A tool's parameter schema cannot be compiled.</exception>
    public static HarmonyTokenGrammar ForConversation(Conversation conversation) =>
        Create(HarmonyGrammarOptions.FromConversation(conversation));

    /// <summary>The grammar for explicit options; cached by their content.</summary>
    /// <exception cref="ConstraintSchemaException">A tool's parameter schema cannot be compiled.</exception>
    public static HarmonyTokenGrammar Create(HarmonyGrammarOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string key = options.CacheKey();
        if (Cache.TryGetValue(key, out var cached))
            return cached;
        var grammar = new HarmonyTokenGrammar(options);
        if (Cache.Count >= CacheLimit)
            Cache.Clear();
        return Cache.GetOrAdd(key, grammar);
    }

    /// <summary>Ids run from 0 to <c>VocabularySize - 1</c> (o200k_harmony's 201,088).</summary>
    public int VocabularySize => HarmonyTokens.VocabularySize;

    /// <summary>A fresh constraint positioned right after <c>&lt;|start|&gt;assistant</c>, where the engine's prompt ends.</summary>
    public ITokenConstraint Start() => new HarmonyTokenConstraint(this);

    /// <summary>A fresh constraint positioned after <c>&lt;|start|&gt;assistant</c> and a forced header prefix that is
    /// part of the prompt (e.g. the ids of <c> to=functions.get_weather</c>, see EngineRunOptions.RequiredToolCall).</summary>
    /// <exception cref="ArgumentException">The forced tokens are not a valid header prefix for this grammar.</exception>
    public ITokenConstraint Start(ReadOnlySpan<int> forcedHeaderTokens)
    {
        var constraint = new HarmonyTokenConstraint(this);
        for (int i = 0; i < forcedHeaderTokens.Length; i++)
        {
            if (!constraint.TryAccept(forcedHeaderTokens[i]))
                ConstraintThrowHelper.ThrowForcedHeaderRejected(i, forcedHeaderTokens[i]);
        }
        return constraint;
    }

    private static IEnumerable<HeaderAutomaton.Form> Forms(HarmonyGrammarOptions options, List<(string Name, int Rule)> recipients)
    {
        const int channel = HeaderAutomaton.ChannelSymbol, constrain = HeaderAutomaton.ConstrainSymbol;
        var channels = options.Channels.Where(IsWord).Distinct(StringComparer.Ordinal).ToList();
        var channelChoices = channels.Select(c => (string?)c).ToList();
        if (!options.ChannelRequired || channels.Count == 0)
            channelChoices.Add(null);
        int[][] contentTypes = [[], HeaderAutomaton.Symbols(" code"), HeaderAutomaton.Symbols(" ", constrain, "json"), HeaderAutomaton.Symbols(constrain, "json")];
        foreach (var c in channelChoices)
        {
            int[] channelPart = c is null ? [] : HeaderAutomaton.Symbols(channel, c);
            yield return new HeaderAutomaton.Form(channelPart, c is null or "final" ? 1 : 0);
            foreach (var (name, rule) in recipients)
            {
                if (!IsWord(name))
                    continue;
                int[] to = HeaderAutomaton.Symbols(" to=" + name);
                foreach (var contentType in contentTypes)
                {
                    yield return new HeaderAutomaton.Form([.. to, .. channelPart, .. contentType], rule);
                    if (c is not null)
                        yield return new HeaderAutomaton.Form([.. channelPart, .. to, .. contentType], rule);
                }
            }
        }
    }

    /// <summary>A name the header grammar reads back as one word (no whitespace, no '&lt;').</summary>
    private static bool IsWord(string name) =>
        name.Length > 0 && !name.Any(ch => char.IsWhiteSpace(ch) || ch == '<');
}
