using System.Text.Json;

namespace Campfire.Remote.Tests.Remote;

/// <summary>Events shaped like vLLM's CompletionStreamResponse (serving_completion.py, vLLM 0.10.2+ and older).</summary>
internal static class VllmWire
{
    public static string Chunk(IReadOnlyList<int> ids, string? finish = null, int? stopReason = null, int[]? promptIds = null,
        bool withTokenIds = true, bool withLogprobs = false)
    {
        var choice = new Dictionary<string, object?>
        {
            ["index"] = 0,
            ["text"] = string.Concat(ids.Select(i => $"<{i}>")),
            ["logprobs"] = withLogprobs
                ? new Dictionary<string, object?>
                {
                    ["text_offset"] = ids.Select((_, k) => k * 3).ToArray(),
                    ["token_logprobs"] = ids.Select(_ => -0.25).ToArray(),
                    ["tokens"] = ids.Select(i => $"token_id:{i}").ToArray(),
                    ["top_logprobs"] = ids.Select(i => new Dictionary<string, double> { [$"token_id:{i}"] = -0.25 }).ToArray(),
                }
                : null,
            ["finish_reason"] = finish,
            ["stop_reason"] = stopReason,
        };
        if (withTokenIds)
        {
            choice["prompt_token_ids"] = promptIds;
            choice["token_ids"] = ids.ToArray();
        }
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "cmpl-8f2c",
            ["object"] = "text_completion",
            ["created"] = 1764000000,
            ["model"] = "openai/gpt-oss-120b",
            ["choices"] = new[] { choice },
            ["usage"] = null,
        });
    }

    public static string StreamingError(string message) =>
        JsonSerializer.Serialize(new { error = new { message, type = "BadRequestError", param = (string?)null, code = 400 } });

    /// <summary>
    /// Plays a whole answer the way vLLM streams it: one event per <paramref name="perEvent"/> ids, the prompt ids on
    /// the first, finish_reason "stop" with stop_reason = the stop id (or "length"), then [DONE]. Honours the
    /// request's return_token_ids / return_tokens_as_token_ids the way the given server generation would.
    /// </summary>
    public static async Task PlayAsync(FakeExchange exchange, IReadOnlyList<int> answer, int perEvent = 1,
        TimeSpan? delay = null, bool serverKnowsReturnTokenIds = true)
    {
        var body = exchange.Request.Json;
        var prompt = exchange.Request.IntArray("prompt");
        var stops = exchange.Request.IntArray("stop_token_ids");
        var maxTokens = body.GetProperty("max_tokens").GetInt32();
        var wantIds = serverKnowsReturnTokenIds && body.TryGetProperty("return_token_ids", out var r) && r.GetBoolean();
        var wantLogprobs = body.TryGetProperty("logprobs", out var l) && l.ValueKind == JsonValueKind.Number
                           && body.TryGetProperty("return_tokens_as_token_ids", out var t) && t.GetBoolean();
        var first = true;
        foreach (var piece in Pieces.Of(answer, perEvent, maxTokens, stops))
        {
            string? finish = piece.StopToken is not null ? "stop" : piece.HitLength ? "length" : null;
            await exchange.SendEventAsync(Chunk(piece.Ids, finish, piece.StopToken, first ? prompt : null, wantIds, wantLogprobs));
            first = false;
            if (finish is null && delay is { } d)
                await Task.Delay(d, exchange.Stopping);
        }
        await exchange.SendDoneAsync();
    }
}

/// <summary>Events shaped like SGLang's native /generate stream (tokenizer_manager output).</summary>
internal static class SglangWire
{
    public static string Chunk(IReadOnlyList<int> outputIds, int completionTokens, int promptTokens, object? finishReason) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["text"] = string.Concat(outputIds.Select(i => $"<{i}>")),
            ["output_ids"] = outputIds.ToArray(),
            ["meta_info"] = new Dictionary<string, object?>
            {
                ["id"] = "5d1e",
                ["finish_reason"] = finishReason,
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["cached_tokens"] = 0,
                ["e2e_latency"] = 0.01,
            },
            ["index"] = 0,
        });

    /// <summary>Streams <paramref name="answer"/>; <paramref name="cumulative"/> repeats all ids so far in each event (older/--stream-output off).</summary>
    public static async Task PlayAsync(FakeExchange exchange, IReadOnlyList<int> answer, bool cumulative, int perEvent = 2)
    {
        var body = exchange.Request.Json;
        var prompt = exchange.Request.IntArray("input_ids");
        var sampling = body.GetProperty("sampling_params");
        var stops = sampling.GetProperty("stop_token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var maxTokens = sampling.GetProperty("max_new_tokens").GetInt32();
        foreach (var piece in Pieces.Of(answer, perEvent, maxTokens, stops))
        {
            object? finish = piece.StopToken is { } matched
                ? new { type = "stop", matched }
                : piece.HitLength ? new { type = "length", length = piece.SentSoFar } : null;
            var ids = cumulative ? answer.Take(piece.SentSoFar).ToList() : piece.Ids;
            await exchange.SendEventAsync(Chunk(ids, piece.SentSoFar, prompt.Length, finish));
        }
        await exchange.SendDoneAsync();
    }
}

/// <summary>How a server cuts an answer into streamed events: at most <c>perEvent</c> ids each, ending at the first stop id or the token limit.</summary>
internal static class Pieces
{
    public sealed record Piece(List<int> Ids, int SentSoFar, int? StopToken, bool HitLength);

    public static IEnumerable<Piece> Of(IReadOnlyList<int> answer, int perEvent, int maxTokens, int[] stops)
    {
        var sent = 0;
        while (sent < answer.Count && sent < maxTokens)
        {
            var take = answer.Skip(sent).Take(Math.Min(perEvent, maxTokens - sent)).ToList();
            var stopAt = take.FindIndex(stops.Contains);
            if (stopAt >= 0)
                take = take.Take(stopAt + 1).ToList();
            sent += take.Count;
            int? stop = stopAt >= 0 ? take[stopAt] : null;
            var hitLength = stop is null && sent >= maxTokens;
            yield return new Piece(take, sent, stop, hitLength);
            if (stop is not null || hitLength)
                yield break;
        }
    }
}
