using System.ComponentModel;
using System.Text.Json;
using Campfire.Extensions.AI;
using Campfire.Harmony.Tokenization;
using Campfire.Remote.Tests.Remote;
using Microsoft.Extensions.AI;

namespace Campfire.Remote.Tests.Chat;

/// <summary>The <see cref="HarmonyChatClient"/> (Campfire.Extensions.AI) over a remote generator: the whole scale-out stack.</summary>
public sealed class ChatClientOverRemoteTests
{
    private const string WeatherCall =
        "<|channel|>analysis<|message|>Need the weather tool.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Tokyo\"}<|call|>";

    private const string WeatherAnswer =
        "<|channel|>final<|message|>It is sunny in Tokyo, 21 degrees.<|return|>";

    private static readonly HarmonyChatClientOptions Options = new() { ConversationStartDate = "2026-11-25", ModelId = "gpt-oss-test" };

    private static string Decode(IEnumerable<int> ids) => O200kHarmonyTokenizer.Instance.Decode([.. ids]);

    [Description("Gets the current weather for a city")]
    private static string GetWeather([Description("City name")] string city) =>
        JsonSerializer.Serialize(new { city, sky = "sunny", celsius = 21 });

    [Fact]
    public async Task Function_invocation_pipeline_runs_over_the_fake_vllm_server()
    {
        var completions = new[] { WeatherCall, WeatherAnswer }
            .Select(t => O200kHarmonyTokenizer.Instance.EncodeToIds(t, allowSpecialTokens: true)).ToArray();
        var turn = 0;
        var prompts = new List<int[]>();
        await using var server = new FakeInferenceServer(x =>
        {
            lock (prompts)
                prompts.Add(x.Request.IntArray("prompt"));
            return VllmWire.PlayAsync(x, completions[Interlocked.Increment(ref turn) - 1], perEvent: 3);
        });
        using var remote = RemoteGeneratorFactory.FromEndpoints([server.BaseUrl.ToString()], "openai/gpt-oss-20b",
            configure: o => o with { RetryBaseDelay = TimeSpan.FromMilliseconds(5) });
        var tool = AIFunctionFactory.Create(GetWeather, "get_weather");
        using var client = new ChatClientBuilder(new HarmonyChatClient(remote, Options)).UseFunctionInvocation().Build();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(
                           [new ChatMessage(ChatRole.User, "What's the weather in Tokyo?")],
                           new ChatOptions { Tools = [tool], MaxOutputTokens = 256, Temperature = 0.5f, Seed = 3 }, limit.Token))
            updates.Add(update);
        var response = updates.ToChatResponse();

        Assert.Equal("It is sunny in Tokyo, 21 degrees.", response.Messages[^1].Text);
        Assert.Equal(2, server.RequestCount);
        var bodies = server.Requests.Select(r => r.Json).ToArray();
        Assert.All(bodies, b => Assert.Equal("openai/gpt-oss-20b", b.GetProperty("model").GetString()));
        Assert.All(bodies, b => Assert.Equal(256, b.GetProperty("max_tokens").GetInt32()));
        Assert.All(bodies, b => Assert.Equal(3, b.GetProperty("seed").GetInt32()));
        Assert.Contains("\"sky\":\"sunny\"", Decode(prompts[1]));
    }
}
