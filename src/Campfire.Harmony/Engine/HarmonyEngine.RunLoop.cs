using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Tools;

namespace Campfire.Harmony.Engine;

// The tool loop: render, generate while stream-parsing, run the calls, repeat until a final answer.
public sealed partial class HarmonyEngine
{
    /// <summary>
    /// Runs the model until it answers: render → generate (parsing tokens as they stream) → on a tool call, execute it,
    /// append call and result, and go again → stop at the final answer. At most
    /// <see cref="EngineRunOptions.MaxToolRounds"/> rounds of tool calls. Cancelling stops generation and tools
    /// promptly with <see cref="OperationCanceledException"/>; what was appended before stays.
    /// Nothing happens until the sequence is enumerated, so argument errors are thrown by the first
    /// <c>MoveNextAsync</c>. The parsed messages and tool results are appended to the conversation as the events
    /// announce them; see <see cref="EngineEvent"/> for their order.
    /// </summary>
    /// <param name="generator">Continues the rendered prompt; called once per round.</param>
    /// <param name="options">Settings of this run; null uses <see cref="EngineRunOptions.Default"/>.</param>
    /// <param name="cancellationToken">Stops the run; also passed to the generator and the tools.</param>
    /// <returns>The events of the run, ending with one <see cref="RunCompleted"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="generator"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EngineRunOptions.MaxToolRounds"/> is negative.</exception>
    /// <exception cref="ArgumentException"><see cref="EngineRunOptions.RequiredToolCall"/> names no registered tool or
    /// namespace.</exception>
    /// <exception cref="EngineRenderException">The conversation cannot be rendered.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async IAsyncEnumerable<EngineEvent> RunAsync(
        ITokenGenerator generator,
        EngineRunOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        options ??= EngineRunOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxToolRounds, nameof(options));
        var forcedHeader = options.RequiredToolCall is { } required ? RequiredCallHeader(required) : [];
        var runUsage = EngineUsage.Zero;
        var toolRounds = 0;
        var round = 0;
        var reason = StopReason.NoFinalAnswer;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            round++;
            var turnClock = Stopwatch.StartNew();
            var prompt = RenderConversation();
            var header = round == 1 ? forcedHeader : [];
            if (!header.IsEmpty)
                prompt = prompt with { PrefillIds = prompt.PrefillIds.AddRange(header) };
            var tokens = new List<int>();
            var stream = options.StreamDeltas ? _codec.CreateDeltaStream() : null;
            foreach (var headerToken in header)
                stream?.Push(headerToken, out _);
            string? streamProblem = null;
            var firstToken = TimeSpan.Zero;
            var generationClock = Stopwatch.StartNew();

            await foreach (var token in generator.GenerateAsync(prompt.PrefillIds.AsMemory(), prompt.StopIds.AsMemory(), options.Generation, cancellationToken)
                               .WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (tokens.Count == 0) firstToken = turnClock.Elapsed;
                tokens.Add(token);
                if (stream is not null)
                {
                    StreamDelta delta = default;
                    var hasDelta = false;
                    try
                    {
                        hasDelta = stream.Push(token, out delta);
                    }
                    catch (HarmonyException e)
                    {
                        streamProblem = e.Message;
                        stream = null; // the batch parse below repairs the completion; stop streaming this turn
                    }
                    if (hasDelta) yield return new ContentDelta(round, delta.Channel, delta.Recipient, delta.Text);
                    if (streamProblem is not null) yield return new ParseDiagnostic(round, $"streaming stopped: {streamProblem}");
                }
                if (prompt.StopIds.Contains(token)) break;
            }
            generationClock.Stop();

            var parsed = ParseCompletion(CollectionsMarshalSpan(tokens), prompt.PrefillIds.AsSpan());
            foreach (var diagnostic in parsed.Diagnostics) yield return new ParseDiagnostic(round, diagnostic);
            foreach (var message in parsed.Messages)
            {
                _messages.Add(message);
                yield return new MessageCompleted(round, message);
            }

            var toolClock = new Stopwatch();
            var executed = 0;
            var last = parsed.Messages.IsEmpty ? null : parsed.Messages[^1];
            FinalAnswer? final = null;
            // A turn cut off by the token limit is neither a complete call nor a complete answer.
            var cutOff = tokens.Count > 0 && tokens.Count >= options.Generation.MaxTokens && !prompt.StopIds.Contains(tokens[^1]);
            if (cutOff)
            {
                reason = StopReason.MaxTokens;
            }
            else if (last is { HasToolCalls: true } && toolRounds < options.MaxToolRounds)
            {
                toolRounds++;
                foreach (var call in last.ToolCalls)
                {
                    yield return new ToolCallStarted(round, call);
                    toolClock.Start();
                    var started = toolClock.Elapsed;
                    var result = await ExecuteToolCallAsync(call, cancellationToken).ConfigureAwait(false);
                    toolClock.Stop();
                    executed++;
                    var resultMessage = CreateToolMessage(result);
                    _messages.Add(resultMessage);
                    yield return new ToolCallFinished(round, call, result, toolClock.Elapsed - started);
                }
            }
            else if (last is { HasToolCalls: true })
            {
                reason = StopReason.ToolRoundLimit;
            }
            else if (parsed.Messages.LastOrDefault(IsFinal) is { } answer)
            {
                final = Finalize(round, answer);
                reason = StopReason.FinalAnswer;
            }
            else
            {
                reason = StopReason.NoFinalAnswer;
            }

            var turnUsage = new EngineUsage(prompt.PrefillIds.Length, tokens.Count, 1, executed, firstToken,
                generationClock.Elapsed, toolClock.Elapsed, turnClock.Elapsed);
            runUsage = runUsage.Add(turnUsage);
            _usage = _usage.Add(turnUsage);

            if (final is not null)
            {
                foreach (var problem in final.Citations.Where(c => !c.IsValid)) yield return new CitationProblem(round, problem);
                yield return final;
            }
            yield return new UsageReport(round, turnUsage);
            if (executed == 0) break;
        }
        yield return new RunCompleted(round, reason, runUsage);
    }

    /// <summary>The header ids that follow <c>&lt;|start|&gt;assistant</c> to force a call (see
    /// <see cref="EngineRunOptions.RequiredToolCall"/>): up to the namespace for "any tool of it", so the model picks
    /// the method, or the whole recipient.</summary>
    private ImmutableArray<int> RequiredCallHeader(string required)
    {
        string recipient;
        if (required.EndsWith('.'))
        {
            recipient = required[..^1];
            if (recipient.Length == 0 || !_tools.Any(t => t.Namespace == recipient))
                throw new ArgumentException($"RequiredToolCall '{required}': no tool of namespace '{recipient}' is registered.", "options");
        }
        else
        {
            recipient = required;
            if (FindTool(recipient) is null || recipient.IndexOf('.', StringComparison.Ordinal) < 0)
                throw new ArgumentException($"RequiredToolCall '{required}' is not a registered tool (registered: {string.Join(", ", _tools.Select(t => t.RecipientPrefix))}).", "options");
        }
        return _codec.EncodeHeaderText(" to=" + recipient);
    }

    private static ReadOnlySpan<int> CollectionsMarshalSpan(List<int> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);

    private static bool IsFinal(HarmonyMessage message) =>
        message.Role == HarmonyRole.Assistant && !message.HasToolCalls && (message.Channel is null or "final");

    private FinalAnswer Finalize(int round, HarmonyMessage answer)
    {
        var source = _tools.Select(t => t.Handler).OfType<ICitationSource>().FirstOrDefault();
        var citations = CitationParser.Resolve(answer.Content, source);
        _citationProblems.AddRange(citations.Where(c => !c.IsValid));
        var display = Options.FinalAnswerNote is { Length: > 0 } note ? $"{answer.Content}\n\n{note}" : answer.Content;
        return new FinalAnswer(round, answer, display, citations);
    }
}
