using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Constraints;
using Campfire.Harmony.Model;
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

        var stops = _codec.StopTokensForAssistantActions;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            round++;
            var turnStart = Stopwatch.GetTimestamp();
            var header = round == 1 ? forcedHeader : [];
            // What the generator already holds from our previous request: that prompt and what it generated.
            var prompt = RenderPrompt(header, ReferenceEquals(generator, _lastGenerator), out var unchanged);
            var constraint = options.Constrain ? StartConstraint(header) : null;
            _lastGenerator = null; // until this round's sequence is complete
            // The turn's one parse: the forced header (part of the prompt) and then every generated token.
            var stream = _codec.CreateDeltaStream(options.StreamDeltas);
            string? streamProblem = null;
            try
            {
                foreach (var headerToken in header) stream.Push(headerToken, out _);
            }
            catch (HarmonyException e)
            {
                streamProblem = e.Message;
            }
            var generated = 0;
            var stopped = false;
            var firstToken = TimeSpan.Zero;
            var generationStart = Stopwatch.GetTimestamp();

            await foreach (var token in generator.GenerateAsync(new TokenGenerationRequest(prompt, stops.AsMemory(), options.Generation, unchanged, constraint), cancellationToken)
                               .WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (generated == 0) firstToken = Stopwatch.GetElapsedTime(turnStart);
                generated++;
                _prompt.GetSpan(1)[0] = token; // after the prompt: what the generator now holds
                _prompt.Advance(1);
                if (streamProblem is null)
                {
                    StreamDelta delta = default;
                    var hasDelta = false;
                    try
                    {
                        hasDelta = stream.Push(token, out delta);
                    }
                    catch (HarmonyException e)
                    {
                        streamProblem = e.Message; // the parse keeps what was complete and says why
                    }
                    if (hasDelta && options.StreamDeltas) yield return new ContentDelta(round, delta.Channel, delta.Recipient, delta.Text);
                    if (streamProblem is not null && options.StreamDeltas) yield return new ParseDiagnostic(round, $"streaming stopped: {streamProblem}");
                }
                // The one place a turn's end is decided: the first stop id ends it.
                if (stops.AsSpan().Contains(token))
                {
                    stopped = true;
                    break;
                }
            }
            var generationTime = Stopwatch.GetElapsedTime(generationStart);
            (_sent, _prompt) = (_prompt, _sent);
            _lastGenerator = generator;

            var parsed = stream.Finish();
            foreach (var diagnostic in parsed.Diagnostics) yield return new ParseDiagnostic(round, diagnostic);
            var turnMessages = new List<HarmonyMessage>(parsed.Messages.Length);
            foreach (var harmony in parsed.Messages)
            {
                var message = FromHarmony(harmony);
                turnMessages.Add(message);
                _messages.Add(message);
                yield return new MessageCompleted(round, message);
            }

            var toolTime = TimeSpan.Zero;
            var executed = 0;
            var last = turnMessages.Count == 0 ? null : turnMessages[^1];
            FinalAnswer? final = null;
            // A turn cut off by the token limit is neither a complete call nor a complete answer.
            var cutOff = !stopped && generated > 0 && generated >= options.Generation.MaxTokens;
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
                    var toolStart = Stopwatch.GetTimestamp();
                    var result = await ExecuteToolCallAsync(call, cancellationToken).ConfigureAwait(false);
                    var toolElapsed = Stopwatch.GetElapsedTime(toolStart);
                    toolTime += toolElapsed;
                    executed++;
                    var resultMessage = CreateToolMessage(result);
                    _messages.Add(resultMessage);
                    yield return new ToolCallFinished(round, call, result, toolElapsed);
                }
            }
            else if (last is { HasToolCalls: true })
            {
                reason = StopReason.ToolRoundLimit;
            }
            else if (turnMessages.LastOrDefault(IsFinal) is { } answer)
            {
                final = Finalize(round, answer);
                reason = StopReason.FinalAnswer;
            }
            else
            {
                reason = StopReason.NoFinalAnswer;
            }

            var turnUsage = new EngineUsage(prompt.Length, generated, 1, executed, firstToken,
                generationTime, toolTime, Stopwatch.GetElapsedTime(turnStart));
            runUsage = runUsage.Add(turnUsage);
            _usage = _usage.Add(turnUsage);

            if (final is not null)
            {
                foreach (var problem in final.Citations)
                    if (!problem.IsValid) yield return new CitationProblem(round, problem);
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

    /// <summary>A constraint for this round, positioned after the prompt (and the forced header). The grammar is
    /// rebuilt only when the system/developer header changes (new tools or instructions); it is cached process-wide
    /// by its tools and channels anyway.</summary>
    private ITokenConstraint StartConstraint(ImmutableArray<int> forcedHeader)
    {
        var headerMessages = _header ??= MessageInterner.InternHeader(HeaderKey(), BuildHeader);
        if (_grammar is null || !ReferenceEquals(headerMessages, _grammarHeader))
        {
            _grammar = HarmonyTokenGrammar.ForConversation(new Conversation([.. headerMessages]));
            _grammarHeader = headerMessages;
        }
        return forcedHeader.IsDefaultOrEmpty ? _grammar.Start() : _grammar.Start(forcedHeader.AsSpan());
    }

    /// <summary>How many leading ids of <paramref name="prompt"/> equal <see cref="_sent"/> (the previous prompt and
    /// what was generated after it). The incremental renderer said where the rendering first changed since the
    /// previous prompt; only what follows needs comparing (all of it after a rebuild).</summary>
    private int UnchangedPrefix(ReadOnlySpan<int> prompt)
    {
        var sent = _sent.WrittenSpan;
        var known = _liveChangedAt < 0 ? 0 : Math.Min(_liveChangedAt, Math.Min(_liveLengthAtPrompt, Math.Min(prompt.Length, sent.Length)));
        // From there on compare: it stops at the first difference (soon after an earlier change such as auto-drop).
        return known + prompt[known..].CommonPrefixLength(sent[known..]);
    }

    /// <summary>Renders the prompt for the next round into the engine's prompt buffer (reused every round):
    /// the living conversation, <c>&lt;|start|&gt;assistant</c>, and the forced header if any.</summary>
    /// <param name="header">The forced header, if any.</param>
    /// <param name="sameGenerator">The generator is the one the previous prompt went to.</param>
    /// <param name="unchanged">How many leading ids that generator already holds (0 for another one).</param>
    private ReadOnlyMemory<int> RenderPrompt(ImmutableArray<int> header, bool sameGenerator, out int unchanged)
    {
        var live = SyncLive();
        _prompt.ResetWrittenCount();
        live.RenderForCompletion(Role.Assistant, _prompt);
        header.AsSpan().CopyTo(_prompt.GetSpan(header.Length));
        _prompt.Advance(header.Length);
        unchanged = sameGenerator ? UnchangedPrefix(_prompt.WrittenSpan) : 0;
        _liveLengthAtPrompt = live.Tokens.Length;
        _liveChangedAt = int.MaxValue;
        return _prompt.WrittenMemory;
    }

    private static bool IsFinal(HarmonyMessage message) =>
        message.Role == HarmonyRole.Assistant && !message.HasToolCalls && (message.Channel is null or "final");

    private FinalAnswer Finalize(int round, HarmonyMessage answer)
    {
        ICitationSource? source = null;
        foreach (var tool in _tools)
            if (tool.Handler is ICitationSource pages) { source = pages; break; }
        var citations = CitationParser.Resolve(answer.Content, source);
        _citationProblems.AddRange(citations.Where(c => !c.IsValid));
        var display = Options.FinalAnswerNote is { Length: > 0 } note ? $"{answer.Content}\n\n{note}" : answer.Content;
        return new FinalAnswer(round, answer, display, citations);
    }
}
