using Campfire.Harmony.Engine;
using Campfire.Harmony.Tools;

namespace Campfire.Guidance;

/// <summary>
/// The Campfire emergency helper as a reusable flow: an engine with the emergency-guidance instructions, the browser
/// tool over an offline document backend, and a safety note on every final answer. Any <see cref="ITokenGenerator"/>
/// drives it: the scripted model of <c>campfire demo</c>, the TorchSharp decode loop, or a remote server. Nothing in
/// the flow touches the network (the backend decides where documents come from).
/// </summary>
public static class EmergencyGuidance
{
    public const string SystemPrompt =
        "You are Campfire, an offline first-aid helper for emergencies.\n" +
        "Give calm, clear, numbered steps that a frightened person can follow right away.\n" +
        "Whenever a life may be at risk, tell the user first to call the local emergency number.\n" +
        "Base every answer on the first-aid documents available through the browser tool: search them, open the most " +
        "relevant one, and cite the lines you rely on in the form 【cursor†Lstart-Lend】.\n" +
        "If the documents do not cover the question, say so plainly and do not guess.\n" +
        "Keep answers short.";

    public const string SafetyNote =
        "Safety note: this guidance comes from a small set of sample first-aid documents and is not medical advice. " +
        "If anyone's life may be at risk, call your local emergency number now.";

    /// <summary>A new engine for one conversation: instructions added, the browser tool over <paramref name="backend"/> registered.</summary>
    public static HarmonyEngine CreateEngine(ISearchBackend backend, EmergencyGuidanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        options ??= EmergencyGuidanceOptions.Default;
        var engine = new HarmonyEngine(new HarmonyEngineOptions
        {
            ReasoningEffort = options.ReasoningEffort,
            ConversationStartDate = options.ConversationStartDate ?? DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            FinalAnswerNote = options.SafetyNote,
        });
        engine.RegisterTool(new BrowserTool(backend, options.Browser).CreateConfig());
        engine.AddMessage(engine.CreateSystemMessage(options.SystemPrompt));
        return engine;
    }

    /// <summary>Asks <paramref name="question"/> in <paramref name="engine"/>'s conversation (trimmed to
    /// <paramref name="maxHistory"/> messages first) and runs the model until it answers.</summary>
    public static IAsyncEnumerable<EngineEvent> AskAsync(
        HarmonyEngine engine,
        ITokenGenerator generator,
        string question,
        EngineRunOptions? runOptions = null,
        int maxHistory = 10,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(generator);
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("The question must not be empty.", nameof(question));
        engine.AddMessage(engine.CreateUserMessage(question));
        engine.TrimHistory(maxHistory);
        return engine.RunAsync(generator, runOptions, cancellationToken);
    }
}
