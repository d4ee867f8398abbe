using System.Text;
using System.Text.Json;
using Campfire.Harmony.Engine;
using Campfire.Remote.Protocol;
using CsCheck;

namespace Campfire.Remote.Tests.Remote;

public sealed class SseEventReaderTests
{
    /// <summary>Hands out at most <paramref name="step"/> bytes per read, to split lines and CRLFs anywhere.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], cancellationToken);
    }

    private static async Task<(List<string> Events, bool EndedInside)> ReadAllAsync(string wire, int step = int.MaxValue, int buffer = 64)
    {
        using var reader = new SseEventReader(new TrickleStream(Encoding.UTF8.GetBytes(wire), step), buffer);
        var events = new List<string>();
        for (var i = 0; i < 10_000 && await reader.ReadEventAsync(); i++)
            events.Add(Encoding.UTF8.GetString(reader.Data));
        return (events, reader.EndedInsideEvent);
    }

    [Fact]
    public async Task Events_are_split_on_blank_lines_with_any_line_ending()
    {
        var (events, endedInside) = await ReadAllAsync("data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: [DONE]\n\n");
        Assert.Equal(["a", "b", "c", "[DONE]"], events);
        Assert.False(endedInside);
    }

    [Fact]
    public async Task Comments_and_other_fields_are_ignored_and_data_lines_are_joined()
    {
        var (events, _) = await ReadAllAsync(": keep-alive\n\nevent: delta\nid: 7\ndata: {\"x\":\ndata:1}\nretry: 10\n\n");
        Assert.Equal(["{\"x\":\n1}"], events);
    }

    [Fact]
    public async Task Only_one_space_after_the_colon_is_dropped()
    {
        var (events, _) = await ReadAllAsync("data:  two\n\ndata\n\n");
        Assert.Equal([" two", ""], events);
    }

    [Fact]
    public async Task Event_cut_off_by_the_end_of_the_stream_is_not_dispatched()
    {
        var (events, endedInside) = await ReadAllAsync("data: whole\n\ndata: half");
        Assert.Equal(["whole"], events);
        Assert.True(endedInside);
    }

    [Fact]
    public async Task Long_lines_grow_the_buffer()
    {
        var big = new string('x', 10_000);
        var (events, _) = await ReadAllAsync($"data: {big}\n\ndata: after\n\n", step: 333, buffer: 64);
        Assert.Equal([big, "after"], events);
    }

    [Fact]
    public async Task Any_split_of_the_wire_gives_the_same_events()
    {
        const string wire = "data: {\"a\":1}\r\n\r\n: ping\r\ndata: b\rdata: c\r\r\ndata: [DONE]\n\n";
        var expected = await ReadAllAsync(wire);
        Assert.Equal(["{\"a\":1}", "b\nc", "[DONE]"], expected.Events);
        for (var step = 1; step <= wire.Length; step++)
        {
            var got = await ReadAllAsync(wire, step, buffer: 64);
            Assert.Equal(expected.Events, got.Events);
            Assert.Equal(expected.EndedInside, got.EndedInside);
        }
    }
}

public sealed class ChunkParserTests
{
    private static (int[] Ids, StreamChunk Chunk) ParseVllm(string json, VllmTokenIdSource source = VllmTokenIdSource.ReturnTokenIds)
    {
        using var ids = new TokenIdBuffer();
        var chunk = default(StreamChunk);
        VllmBackend.Parse(Encoding.UTF8.GetBytes(json), source, ids, ref chunk);
        return (ids.Span.ToArray(), chunk);
    }

    private static (int[] Ids, StreamChunk Chunk) ParseSglang(string json)
    {
        using var ids = new TokenIdBuffer();
        var chunk = default(StreamChunk);
        SglangBackend.Parse(Encoding.UTF8.GetBytes(json), ids, ref chunk);
        return (ids.Span.ToArray(), chunk);
    }

    [Fact]
    public void Vllm_token_ids_are_read_and_prompt_token_ids_skipped()
    {
        var (ids, chunk) = ParseVllm(VllmWire.Chunk([200005, 35644], promptIds: [1, 2, 3]));
        Assert.Equal([200005, 35644], ids);
        Assert.True(chunk.HasChoice);
        Assert.True(chunk.HasTokenIds);
        Assert.Equal(RemoteFinishReason.None, chunk.Finish);
        Assert.Null(chunk.ErrorMessage);
    }

    [Fact]
    public void Vllm_finish_and_numeric_stop_reason_are_reported()
    {
        var (ids, chunk) = ParseVllm(VllmWire.Chunk([200012], finish: "stop", stopReason: 200012));
        Assert.Equal([200012], ids);
        Assert.Equal(RemoteFinishReason.Stop, chunk.Finish);
        Assert.Equal(200012, chunk.MatchedStopTokenId);
    }

    [Fact]
    public void Vllm_logprobs_token_id_strings_are_read_in_fallback_mode_only()
    {
        var json = VllmWire.Chunk([12194, 382], withTokenIds: false, withLogprobs: true);
        Assert.Equal([12194, 382], ParseVllm(json, VllmTokenIdSource.Logprobs).Ids);
        var (ids, chunk) = ParseVllm(json);
        Assert.Empty(ids);
        Assert.False(chunk.HasTokenIds);
    }

    [Fact]
    public void Vllm_escaped_token_id_string_is_read()
    {
        const string json = """{"choices":[{"text":"a","logprobs":{"tokens":["token_id:\u0031\u0032"]}}]}""";
        Assert.Equal([12], ParseVllm(json, VllmTokenIdSource.Logprobs).Ids);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("token_id:")]
    [InlineData("token_id:-3")]
    [InlineData("token_id:12x")]
    [InlineData("token_id:99999999999")]
    public void Vllm_logprobs_token_that_is_not_an_id_is_rejected(string token)
    {
        var json = "{\"choices\":[{\"text\":\"a\",\"logprobs\":{\"tokens\":[\"" + token + "\"]}}]}";
        var e = Assert.Throws<InvalidDataException>(() => ParseVllm(json, VllmTokenIdSource.Logprobs));
        Assert.Contains("token_id:N", e.Message);
    }

    [Theory]
    [InlineData("""{"error":{"message":"boom","type":"InternalServerError","code":500}}""", "boom (InternalServerError)")]
    [InlineData("""{"object":"error","message":"bad model","type":"NotFoundError"}""", "bad model")]
    [InlineData("""{"error":"plain"}""", "plain")]
    public void Vllm_error_shapes_carry_the_message(string json, string message)
    {
        Assert.Equal(message, ParseVllm(json).Chunk.ErrorMessage);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"choices\":{}}")]
    [InlineData("{\"choices\":[{\"token_ids\":[-1]}]}")]
    [InlineData("{\"choices\":[{\"token_ids\":[1.5]}]}")]
    [InlineData("{\"choices\":[{\"token_ids\":[4294967296]}]}")]
    [InlineData("{\"choices\":[{\"finish_reason\":3}]}")]
    public void Vllm_chunks_of_the_wrong_shape_are_rejected(string json)
    {
        Assert.Throws<InvalidDataException>(() => ParseVllm(json));
    }

    [Fact]
    public void Sglang_output_ids_meta_info_and_matched_stop_are_read()
    {
        var (ids, chunk) = ParseSglang(SglangWire.Chunk([12194, 200002], 9, 7, new { type = "stop", matched = 200002 }));
        Assert.Equal([12194, 200002], ids);
        Assert.Equal(9, chunk.CompletionTokens);
        Assert.Equal(RemoteFinishReason.Stop, chunk.Finish);
        Assert.Equal(200002, chunk.MatchedStopTokenId);
    }

    [Fact]
    public void Sglang_length_and_abort_finishes_are_told_apart()
    {
        Assert.Equal(RemoteFinishReason.Length, ParseSglang(SglangWire.Chunk([1], 1, 1, new { type = "length", length = 1 })).Chunk.Finish);
        var abort = ParseSglang(SglangWire.Chunk([], 0, 1, new { type = "abort", message = "oom" })).Chunk;
        Assert.Equal(RemoteFinishReason.Abort, abort.Finish);
        Assert.Contains("oom", abort.ErrorMessage);
    }

    [Fact]
    public void Parsers_throw_only_format_errors_on_arbitrary_input()
    {
        string[] pieces = ["{", "}", "[", "]", ",", ":", "\"choices\"", "\"token_ids\"", "\"output_ids\"", "\"meta_info\"",
            "\"logprobs\"", "\"tokens\"", "\"finish_reason\"", "\"error\"", "null", "1", "-2", "\"token_id:5\"", "\"stop\"", "{\"type\":\"abort\"}"];
        var structured = Gen.Int[0, pieces.Length - 1].Array[0, 30].Select(picks => string.Concat(picks.Select(i => pieces[i])));
        Gen.OneOf(structured, Gen.String[0, 60]).Sample(text =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            using var ids = new TokenIdBuffer();
            var chunk = default(StreamChunk);
            foreach (var source in new[] { VllmTokenIdSource.ReturnTokenIds, VllmTokenIdSource.Logprobs })
            {
                try
                {
                    VllmBackend.Parse(bytes, source, ids, ref chunk);
                }
                catch (Exception e) when (e is JsonException or InvalidDataException)
                {
                }
            }
            try
            {
                SglangBackend.Parse(bytes, ids, ref chunk);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
            }
        }, iter: 3000, seed: "0ZJ5y1uk7Xd3");
    }

    [Fact]
    public void Parsing_a_warm_stream_of_chunks_does_not_allocate()
    {
        var vllm = Encoding.UTF8.GetBytes(VllmWire.Chunk([200005, 35644], finish: null));
        var vllmStop = Encoding.UTF8.GetBytes(VllmWire.Chunk([200002], finish: "stop", stopReason: 200002));
        var logprobs = Encoding.UTF8.GetBytes(VllmWire.Chunk([12194], withTokenIds: false, withLogprobs: true));
        var sglang = Encoding.UTF8.GetBytes(SglangWire.Chunk([12194, 382], 2, 7, null));
        using var ids = new TokenIdBuffer(4096);
        var chunk = default(StreamChunk);
        void Round()
        {
            ids.Clear();
            for (var i = 0; i < 100; i++)
            {
                VllmBackend.Parse(vllm, VllmTokenIdSource.ReturnTokenIds, ids, ref chunk);
                VllmBackend.Parse(vllmStop, VllmTokenIdSource.ReturnTokenIds, ids, ref chunk);
                VllmBackend.Parse(logprobs, VllmTokenIdSource.Logprobs, ids, ref chunk);
                SglangBackend.Parse(sglang, ids, ref chunk);
            }
        }
        Round();
        var best = long.MaxValue;
        for (var attempt = 0; attempt < 3 && best != 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Round();
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, best);
        Assert.Equal(600, ids.Count);
    }

    [Fact]
    public void Reading_a_warm_event_stream_does_not_allocate_per_event()
    {
        const int events = 800;
        var wire = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, events).Select(i => $"data: {VllmWire.Chunk([i])}\n\n")));
        using var source = new MemoryStream(wire);
        using var reader = new SseEventReader(source, 8192);
        using var ids = new TokenIdBuffer(1024);
        var chunk = default(StreamChunk);
        int ReadMany(int count)
        {
            var n = 0;
            for (; n < count; n++)
            {
                var task = reader.ReadEventAsync();
                if (!task.IsCompletedSuccessfully || !task.Result)
                    break;
                VllmBackend.Parse(reader.Data, VllmTokenIdSource.ReturnTokenIds, ids, ref chunk);
            }
            return n;
        }
        Assert.Equal(200, ReadMany(200));
        // Steady state is what is pinned: the best of three rounds (a round can catch one-off runtime work such as
        // tiering when the whole suite runs in parallel) must allocate nothing over 150 events.
        var best = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var read = ReadMany(150);
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(150, read);
        }
        Assert.Equal(0, best);
        Assert.Equal(Enumerable.Range(0, 650), ids.Span.ToArray());
    }

    [Fact]
    public void Request_bodies_carry_ids_and_keep_special_tokens()
    {
        var options = new GenerationOptions { MaxTokens = 64, Temperature = 1f, TopP = 0.95f };
        var vllm = new System.Buffers.ArrayBufferWriter<byte>();
        VllmBackend.WriteBody(vllm, null, [200006, 17], [200002], options, useLogprobsForIds: false);
        var v = JsonDocument.Parse(vllm.WrittenMemory).RootElement;
        Assert.False(v.TryGetProperty("model", out _));
        Assert.Equal("[200006,17]", v.GetProperty("prompt").GetRawText());
        Assert.Equal("[200002]", v.GetProperty("stop_token_ids").GetRawText());
        Assert.False(v.GetProperty("skip_special_tokens").GetBoolean());
        Assert.True(v.GetProperty("include_stop_str_in_output").GetBoolean());
        Assert.False(v.TryGetProperty("seed", out _));

        var sglang = new System.Buffers.ArrayBufferWriter<byte>();
        SglangBackend.WriteBody(sglang, [200006, 17], [200002, 200012], options);
        var s = JsonDocument.Parse(sglang.WrittenMemory).RootElement;
        Assert.Equal("[200006,17]", s.GetProperty("input_ids").GetRawText());
        var p = s.GetProperty("sampling_params");
        Assert.Equal("[200002,200012]", p.GetProperty("stop_token_ids").GetRawText());
        Assert.True(p.GetProperty("no_stop_trim").GetBoolean());
        Assert.Equal(64, p.GetProperty("max_new_tokens").GetInt32());
    }
}
