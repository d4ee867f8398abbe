using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Campfire.Harmony.Engine;
using Campfire.Harmony.Tokenization;
using Microsoft.Extensions.AI;

namespace Campfire.Extensions.AI.Tests;

/// <summary>
/// The chat client keeps the engines of recent requests, so a request that repeats an earlier history renders only what
/// follows it. Whatever the requests do (extend, repeat, edit in the middle, change a message in place, change options or
/// tools), the prompt must be the one a fresh engine renders; the kept conversations stay within their bounds; and
/// concurrent conversations never see each other's engines.
/// </summary>
public sealed class ChatPrefixCacheTests
{
    private static readonly HarmonyChatClientOptions Defaults = new() { ConversationStartDate = "2026-12-02" };

    private static readonly AIFunction Weather = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Current weather for a city.");
    private static readonly AIFunction Time = AIFunctionFactory.Create(() => "12:00", "get_time", "The current time.");

    private static readonly string[] Texts =
    [
        "Someone is choking, what should I do?", "Brannen sprer seg", "火が広がる 🔥", "огонь распространяется", "<|end|> is text here",
        "short", " spaced \n out ", "{\"a\": 1}",
    ];

    /// <summary>The prompt the model saw, as the text it answers with: a digest of the ids.</summary>
    private static string Digest(ReadOnlySpan<int> prompt) =>
        Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(prompt)))[..24];

    /// <summary>What a new engine renders for the request (the client's behaviour before it kept anything).</summary>
    private static int[] FreshPrompt(IEnumerable<ChatMessage> history, ChatOptions? options) =>
        HarmonyChatMapping.ToEngine(history, options, Defaults).RenderConversation().PrefillIds.ToArray();

    /// <summary>Answers every prompt with its digest on the final channel and records what it was asked; thread-safe.</summary>
    private sealed class DigestGenerator : ITokenGenerator
    {
        public ConcurrentQueue<(int[] Prompt, int Unchanged)> Requests { get; } = new();

        public IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens, GenerationOptions options,
            CancellationToken cancellationToken = default) =>
            GenerateAsync(new TokenGenerationRequest(prompt, stopTokens, options), cancellationToken);

        public IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Enqueue((request.Prompt.ToArray(), request.UnchangedPrefixLength));
            var answer = $"<|channel|>final<|message|>{Digest(request.Prompt.Span)}<|return|>";
            return Replay(O200kHarmonyTokenizer.Instance.EncodeToIds(answer, allowSpecialTokens: true), cancellationToken);
        }

        private static async IAsyncEnumerable<int> Replay(int[] tokens, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var token in tokens)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return token;
            }
            await Task.CompletedTask;
        }
    }

    /// <summary>A user question, sometimes a function call and its result, and an answer (sometimes with reasoning, or on
    /// the commentary channel).</summary>
    private static IEnumerable<ChatMessage> Exchange(Random random, string tag)
    {
        string Text() => $"{Texts[random.Next(Texts.Length)]} ({tag})";
        yield return new ChatMessage(ChatRole.User, Text());
        if (random.Next(3) == 0)
        {
            var callId = $"call_{tag}_{random.Next(1_000_000)}";
            yield return new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, "get_weather", new Dictionary<string, object?> { ["city"] = Text() })]);
            yield return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, random.Next(2) == 0 ? Text() : new { temp_c = random.Next(40) })]);
        }
        var answer = new ChatMessage(ChatRole.Assistant, []);
        if (random.Next(2) == 0) answer.Contents.Add(new TextReasoningContent(Text()));
        var text = new TextContent(Text());
        if (random.Next(5) == 0) text.AdditionalProperties = new() { [HarmonyChatMapping.ChannelKey] = "commentary" };
        answer.Contents.Add(text);
        yield return answer;
    }

    private static List<ChatMessage> NewConversation(Random random, string tag)
    {
        List<ChatMessage> history = [new ChatMessage(ChatRole.System, random.Next(2) == 0 ? "Be brief." : "Answer in the user's language.")];
        history.AddRange(Exchange(random, tag));
        history.Add(new ChatMessage(ChatRole.User, $"And now? ({tag})"));
        return history;
    }

    [Fact]
    public async Task Random_histories_with_edits_option_changes_and_new_tools_always_get_the_prompt_a_fresh_engine_renders()
    {
        var random = new Random(20261202);
        var generator = new DigestGenerator();
        using var client = new HarmonyChatClient(generator, Defaults with { PrefixCacheConversations = 2 });
        var conversations = Enumerable.Range(0, 3).Select(c => NewConversation(random, $"c{c}")).ToArray();
        var options = new ChatOptions?[conversations.Length];
        var operations = new int[9];

        for (var step = 0; step < 400; step++)
        {
            var c = random.Next(conversations.Length);
            var history = conversations[c];
            var operation = random.Next(operations.Length);
            operations[operation]++;
            switch (operation)
            {
                case 0 or 1: // the conversation goes on: the last answer and a new question (the usual case)
                    history.Add(new ChatMessage(ChatRole.Assistant, $"Answer {step}."));
                    history.AddRange(Exchange(random, $"c{c}s{step}"));
                    history.Add(new ChatMessage(ChatRole.User, $"Next {step}?"));
                    break;
                case 2: // the same request again (a retry)
                    break;
                case 3: // an earlier user or plain answer message replaced by an edited one
                {
                    var i = random.Next(history.Count);
                    if (history[i].Role == ChatRole.User) history[i] = new ChatMessage(ChatRole.User, history[i].Text + " (edited)");
                    else if (history[i].Role == ChatRole.System) history[i] = new ChatMessage(ChatRole.System, "Edited instructions.");
                    break;
                }
                case 4: // a message changed in place: the same object, other text
                {
                    var i = random.Next(history.Count);
                    if (history[i].Contents.OfType<TextContent>().FirstOrDefault() is { } text) text.Text += " (changed in place)";
                    else if (history[i].Contents.OfType<TextReasoningContent>().FirstOrDefault() is { } reasoning) reasoning.Text += " (changed)";
                    break;
                }
                case 5: // other reasoning effort
                    options[c] = new ChatOptions
                    {
                        Tools = options[c]?.Tools, Instructions = options[c]?.Instructions,
                        AdditionalProperties = new() { [HarmonyChatMapping.ReasoningEffortKey] = random.Next(3) switch { 0 => "low", 1 => "medium", _ => "high" } },
                    };
                    break;
                case 6: // tools added (or taken away)
                    options[c] = new ChatOptions
                    {
                        Tools = random.Next(3) switch { 0 => null, 1 => [Weather], _ => [Weather, Time] },
                        Instructions = options[c]?.Instructions, AdditionalProperties = options[c]?.AdditionalProperties,
                    };
                    break;
                case 7: // per-request instructions
                    options[c] = new ChatOptions
                    {
                        Tools = options[c]?.Tools, AdditionalProperties = options[c]?.AdditionalProperties,
                        Instructions = random.Next(2) == 0 ? null : $"Instructions {random.Next(3)}.",
                    };
                    break;
                case 8: // back to an earlier point (the last exchange regenerated)
                    if (history.Count > 4) history.RemoveRange(history.Count - 2, 2);
                    break;
            }

            var expected = FreshPrompt(history, options[c]);
            var response = await client.GetResponseAsync(history, options[c]);
            var (prompt, _) = generator.Requests.Last();
            Assert.Equal(expected, prompt);
            Assert.Equal(Digest(expected), response.Text);
        }
        Assert.All(operations, count => Assert.True(count > 20, $"operations: {string.Join(", ", operations)}"));
        Assert.True(client.Sessions.Hits > 100, $"{client.Sessions.Hits} hits, {client.Sessions.Misses} misses");
        Assert.True(client.Sessions.Misses > 50, $"{client.Sessions.Hits} hits, {client.Sessions.Misses} misses");
    }

    [Fact]
    public async Task A_request_that_repeats_or_extends_the_history_continues_the_kept_engine()
    {
        var generator = new DigestGenerator();
        using var client = new HarmonyChatClient(generator, Defaults);
        List<ChatMessage> history = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Someone is choking, what should I do?")];

        var first = await client.GetResponseAsync(history);
        await client.GetResponseAsync(history);
        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.User, "And if they are a baby?"));
        await client.GetResponseAsync(history);

        Assert.Equal(1, client.Sessions.Misses);
        Assert.Equal(2, client.Sessions.Hits);
        var requests = generator.Requests.ToArray();
        // The kept engine tells the generator that the whole prompt is what it had sent before (a new engine says 0)...
        Assert.Equal(0, requests[0].Unchanged);
        Assert.Equal(requests[0].Prompt, requests[1].Prompt);
        Assert.Equal(requests[1].Prompt.Length, requests[1].Unchanged);
        // ...and, after the answer and a new question, that the previous prompt and the answer it generated are unchanged.
        Assert.Equal(FreshPrompt(history, null), requests[2].Prompt);
        Assert.True(requests[2].Unchanged > requests[1].Prompt.Length, $"{requests[2].Unchanged} of {requests[2].Prompt.Length}");
    }

    [Fact]
    public async Task An_edited_earlier_message_gets_a_new_engine_and_the_kept_one_stays_for_its_conversation()
    {
        var generator = new DigestGenerator();
        using var client = new HarmonyChatClient(generator, Defaults);
        List<ChatMessage> history = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "How do I treat a burn?"), new(ChatRole.Assistant, "Cool it."), new(ChatRole.User, "For how long?")];
        await client.GetResponseAsync(history);

        List<ChatMessage> edited = [history[0], new(ChatRole.User, "How do I treat a deep cut?"), history[2], history[3]];
        var response = await client.GetResponseAsync(edited);
        Assert.Equal(Digest(FreshPrompt(edited, null)), response.Text);
        Assert.Equal(2, client.Sessions.Misses);
        Assert.Equal(2, client.Sessions.Count);

        ((TextContent)history[1].Contents[0]).Text = "How do I treat a sunburn?"; // the kept key's message, changed in place
        response = await client.GetResponseAsync(history);
        Assert.Equal(Digest(FreshPrompt(history, null)), response.Text);
        Assert.Equal(3, client.Sessions.Misses);
        Assert.Equal(0, client.Sessions.Hits);
    }

    [Fact]
    public async Task Concurrent_conversations_on_one_client_each_get_their_own_prompts()
    {
        var generator = new DigestGenerator();
        using var client = new HarmonyChatClient(generator, Defaults with { PrefixCacheConversations = 3 });

        var conversations = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            var history = NewConversation(random, $"conversation {c}");
            for (var turn = 0; turn < 12; turn++)
            {
                var response = await client.GetResponseAsync(history);
                Assert.Equal(Digest(FreshPrompt(history, null)), response.Text);
                if (turn % 3 != 2) // every third request is a retry of the same history
                {
                    history.AddRange(response.Messages);
                    history.AddRange(Exchange(random, $"conversation {c} turn {turn}"));
                    history.Add(new ChatMessage(ChatRole.User, $"Conversation {c}, turn {turn}: and now?"));
                }
            }
        })).ToArray();
        await Task.WhenAll(conversations);

        Assert.Equal(8 * 12, client.Sessions.Hits + client.Sessions.Misses);
        Assert.True(client.Sessions.Hits > 0);
        Assert.InRange(client.Sessions.Count, 1, 3);
    }

    [Fact]
    public async Task The_kept_conversations_stay_within_their_count_and_byte_budget()
    {
        const long budget = 400_000;
        var generator = new DigestGenerator();
        using var client = new HarmonyChatClient(generator, Defaults with { PrefixCacheConversations = 3, PrefixCacheBytes = budget });
        var random = new Random(7);
        var conversations = new List<List<ChatMessage>>();
        for (var c = 0; c < 10; c++)
        {
            var history = NewConversation(random, $"c{c}");
            for (var i = 0; i < c * 4; i++) history.AddRange(Exchange(random, $"c{c}e{i}"));
            conversations.Add(history);
            await client.GetResponseAsync(history);
            Assert.InRange(client.Sessions.Count, 1, 3);
            Assert.InRange(client.Sessions.Bytes, 1, budget);
        }

        // The most recent conversation is kept, the oldest is not.
        var misses = client.Sessions.Misses;
        await client.GetResponseAsync(conversations[^1]);
        Assert.Equal(misses, client.Sessions.Misses);
        await client.GetResponseAsync(conversations[0]);
        Assert.Equal(misses + 1, client.Sessions.Misses);

        // A conversation larger than the whole budget is answered but not kept.
        var large = NewConversation(random, "large");
        large.Add(new ChatMessage(ChatRole.Assistant, new string('x', 60_000)));
        large.Add(new ChatMessage(ChatRole.User, new string('y', 60_000)));
        await client.GetResponseAsync(large);
        Assert.InRange(client.Sessions.Bytes, 1, budget);
        misses = client.Sessions.Misses;
        await client.GetResponseAsync(large);
        Assert.Equal(misses + 1, client.Sessions.Misses);
    }

    [Fact]
    public async Task A_client_without_a_prefix_cache_keeps_nothing()
    {
        using var client = new HarmonyChatClient(new DigestGenerator(), Defaults with { PrefixCacheConversations = 0 });
        List<ChatMessage> history = [new(ChatRole.User, "Hi!")];
        await client.GetResponseAsync(history);
        var response = await client.GetResponseAsync(history);
        Assert.Equal(Digest(FreshPrompt(history, null)), response.Text);
        Assert.Equal(0, client.Sessions.Count);
        Assert.Equal(0, client.Sessions.Hits);
    }

    [Fact]
    public void Negative_prefix_cache_bounds_are_refused()
    {
        var count = Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonyChatClient(new DigestGenerator(), Defaults with { PrefixCacheConversations = -1 }));
        Assert.Contains("PrefixCacheConversations", count.Message);
        var bytes = Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonyChatClient(new DigestGenerator(), Defaults with { PrefixCacheBytes = -1 }));
        Assert.Contains("PrefixCacheBytes", bytes.Message);
    }
}
