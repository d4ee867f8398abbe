using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using Campfire.Benchmarks.Infrastructure;
using Campfire.Harmony.Engine;
using Campfire.Remote;
using Campfire.Remote.Protocol;

namespace Campfire.Benchmarks.Remote;

/// <summary>
/// Host-side cost per generated token of a remote generation: turning vLLM's streamed events (one token per event,
/// the shape vLLM sends while decoding) into token ids. Baseline: the obvious client (StreamReader lines +
/// JsonSerializer into DTOs). Ours: the pooled SSE reader + forward-only chunk parser, alone and through the whole
/// RemoteTokenGenerator (request, HTTP plumbing over an in-memory handler, IAsyncEnumerable).
/// </summary>
[MemoryDiagnoser]
public class RemoteStreamBenchmarks : ITokenWorkload
{
    private const int Tokens = 512;
    private static readonly int[] Prompt = [200006, 17360, 200008, 3575, 553, 17554, 162016, 200007, 200006, 1428, 200008, 13225, 200007, 200006, 173781];
    private static readonly int[] Stops = [200002, 200012];
    private byte[] _wire = [];
    private RemoteTokenGenerator _generator = null!;

    // OperationsPerInvoke = Tokens: one BenchmarkDotNet operation is one streamed token (one SSE event).
    public long TokensPerOperation => 1;

    public long Utf8BytesPerOperation => _wire.Length / Tokens;

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Tokens; i++)
        {
            var last = i == Tokens - 1;
            var id = last ? 200002 : 1000 + i * 37 % 190000;
            var finish = last ? "\"stop\"" : "null";
            var stopReason = last ? "200002" : "null";
            var promptIds = i == 0 ? "[" + string.Join(',', Prompt) + "]" : "null";
            text.Append("data: {\"id\":\"cmpl-3f6c2b8e9a1d4c7f\",\"object\":\"text_completion\",\"created\":1764000000,")
                .Append("\"model\":\"openai/gpt-oss-120b\",\"choices\":[{\"index\":0,\"text\":\" word\",\"logprobs\":null,")
                .Append($"\"finish_reason\":{finish},\"stop_reason\":{stopReason},\"token_ids\":[{id}],\"prompt_token_ids\":{promptIds}}}],")
                .Append("\"usage\":null}\n\n");
        }
        text.Append("data: [DONE]\n\n");
        _wire = Encoding.UTF8.GetBytes(text.ToString());
        _generator = new RemoteTokenGenerator(
            new RemoteGeneratorOptions { Endpoints = [new RemoteEndpoint(new Uri("http://replica.invalid:8000"))] },
            new ReplayHandler(_wire));
    }

    [GlobalCleanup]
    public void Cleanup() => _generator.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Tokens)]
    public async Task<long> NaiveStreamReaderAndJsonSerializer()
    {
        long sum = 0;
        using var reader = new StreamReader(new MemoryStream(_wire), Encoding.UTF8);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
                continue;
            var data = line[6..];
            if (data == "[DONE]")
                break;
            var chunk = JsonSerializer.Deserialize<NaiveChunk>(data)!;
            foreach (var id in chunk.Choices[0].TokenIds!)
                sum += id;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Tokens)]
    [HotPath(MinSpeedup = 1.3, Goal = "2.7x the naive StreamReader + JsonSerializer client, 0 B per token")]
    public async Task<long> SseReaderAndChunkParser()
    {
        long sum = 0;
        using var reader = new SseEventReader(new MemoryStream(_wire));
        using var ids = new TokenIdBuffer();
        var chunk = default(StreamChunk);
        while (await reader.ReadEventAsync() && !reader.IsDoneMarker)
        {
            ids.Clear();
            VllmBackend.Parse(reader.Data, VllmTokenIdSource.ReturnTokenIds, ids, ref chunk);
            foreach (var id in ids.Span)
                sum += id;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Tokens)]
    public async Task<long> WholeRemoteTokenGenerator()
    {
        long sum = 0;
        await foreach (var id in _generator.GenerateAsync(Prompt, Stops, new GenerationOptions { MaxTokens = Tokens }))
            sum += id;
        return sum;
    }

    private sealed class ReplayHandler(byte[] wire) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new MemoryStream(wire)) };
            response.Content.Headers.ContentType = new("text/event-stream");
            return Task.FromResult(response);
        }
    }

    private sealed class NaiveChunk
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("object")] public string? Object { get; set; }
        [JsonPropertyName("created")] public long Created { get; set; }
        [JsonPropertyName("model")] public string? Model { get; set; }
        [JsonPropertyName("choices")] public List<NaiveChoice> Choices { get; set; } = [];
    }

    private sealed class NaiveChoice
    {
        [JsonPropertyName("index")] public int Index { get; set; }
        [JsonPropertyName("text")] public string? Text { get; set; }
        [JsonPropertyName("finish_reason")] public string? FinishReason { get; set; }
        [JsonPropertyName("stop_reason")] public JsonElement? StopReason { get; set; }
        [JsonPropertyName("token_ids")] public List<int>? TokenIds { get; set; }
        [JsonPropertyName("prompt_token_ids")] public List<int>? PromptTokenIds { get; set; }
    }
}
