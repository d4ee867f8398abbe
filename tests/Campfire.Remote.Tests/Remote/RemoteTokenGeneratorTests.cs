using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Campfire.Harmony.Engine;

namespace Campfire.Remote.Tests.Remote;

public sealed class RemoteTokenGeneratorTests
{
    // o200k_harmony specials: <|return|> 200002, <|call|> 200012 end an assistant turn.
    private static readonly int[] StopTokens = [200002, 200012];
    private static readonly int[] Prompt = [200006, 1428, 200008, 13225, 200007, 200006, 173781];
    private static readonly int[] Answer = [200005, 35644, 200008, 12194, 382, 261, 1746, 13, 200002];

    private static readonly TimeSpan TestLimit = TimeSpan.FromSeconds(30);

    private static RemoteTokenGenerator Generator(params FakeInferenceServer[] servers) =>
        Generator(o => o, servers);

    private static RemoteTokenGenerator Generator(Func<RemoteGeneratorOptions, RemoteGeneratorOptions> configure,
        params FakeInferenceServer[] servers) =>
        Generator(configure, servers.Select(s => new RemoteEndpoint(s.BaseUrl)).ToArray());

    private static RemoteTokenGenerator Generator(Func<RemoteGeneratorOptions, RemoteGeneratorOptions> configure,
        RemoteEndpoint[] endpoints) =>
        new(configure(new RemoteGeneratorOptions
        {
            Endpoints = endpoints,
            Model = "openai/gpt-oss-120b",
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            FirstTokenTimeout = TimeSpan.FromSeconds(10),
            InterTokenTimeout = TimeSpan.FromSeconds(10),
        }));

    private static async Task<List<int>> CollectAsync(ITokenGenerator generator, GenerationOptions? options = null,
        CancellationToken token = default, List<int>? into = null)
    {
        var ids = into ?? [];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(TestLimit);
        await foreach (var id in generator.GenerateAsync(Prompt, StopTokens, options ?? GenerationOptions.Default, limit.Token))
            ids.Add(id);
        return ids;
    }

    [Fact]
    public async Task Vllm_normal_stream_yields_the_generated_ids_including_the_stop_token()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer, perEvent: 2));
        using var generator = Generator(server);

        var ids = await CollectAsync(generator, new GenerationOptions { MaxTokens = 100, Temperature = 0.7f, TopP = 0.9f, Seed = 42 });

        Assert.Equal(Answer, ids);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/completions", request.Path);
        Assert.Equal("text/event-stream", request.Headers["Accept"]);
        var body = request.Json;
        Assert.Equal(Prompt, request.IntArray("prompt"));
        Assert.Equal(StopTokens, request.IntArray("stop_token_ids"));
        Assert.Equal("openai/gpt-oss-120b", body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.False(body.GetProperty("skip_special_tokens").GetBoolean());
        Assert.True(body.GetProperty("return_token_ids").GetBoolean());
        Assert.Equal(100, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.7, body.GetProperty("temperature").GetDouble(), 5);
        Assert.Equal(0.9, body.GetProperty("top_p").GetDouble(), 5);
        Assert.Equal(42, body.GetProperty("seed").GetInt32());
        Assert.Equal(0, generator.OutstandingRequests(0));
    }

    [Fact]
    public async Task Finished_streams_are_read_to_done_and_their_connection_reused()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer, perEvent: 2), keepAlive: true);
        using var generator = Generator(server);

        for (var i = 0; i < 3; i++)
            Assert.Equal(Answer, await CollectAsync(generator));

        Assert.Equal(3, server.RequestCount);
        Assert.Equal(1, server.ConnectionCount);
    }

    [Fact]
    public async Task Stream_stopped_at_max_tokens_before_the_server_finished_is_not_reused()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            // A server that ignores max_tokens: the client cuts the stream, so this connection must not be reused.
            await x.SendEventAsync(VllmWire.Chunk([1, 2, 3]));
            await x.WaitForClientDisconnectAsync(TimeSpan.FromSeconds(15));
        }, keepAlive: true);
        using var generator = Generator(server);

        Assert.Equal([1, 2], await CollectAsync(generator, new GenerationOptions { MaxTokens = 2 }));
        Assert.Equal([1, 2], await CollectAsync(generator, new GenerationOptions { MaxTokens = 2 }));

        Assert.Equal(2, server.ConnectionCount);
    }

    [Fact]
    public async Task Vllm_stop_token_reported_only_as_stop_reason_is_still_yielded()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([12194, 382]));
            await x.SendEventAsync(VllmWire.Chunk([], finish: "stop", stopReason: 200012));
            await x.SendDoneAsync();
        });
        using var generator = Generator(server);

        Assert.Equal([12194, 382, 200012], await CollectAsync(generator));
    }

    [Fact]
    public async Task Vllm_length_finish_ends_the_stream_at_max_tokens()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer));
        using var generator = Generator(server);

        var ids = await CollectAsync(generator, new GenerationOptions { MaxTokens = 4 });

        Assert.Equal(Answer.Take(4), ids);
        Assert.Equal(4, server.Requests.Single().Json.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task Vllm_logprobs_fallback_reads_token_id_strings()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer, perEvent: 3, serverKnowsReturnTokenIds: false));
        using var generator = Generator(o => o with { VllmTokenIds = VllmTokenIdSource.Logprobs }, server);

        Assert.Equal(Answer, await CollectAsync(generator));
        var body = server.Requests.Single().Json;
        Assert.Equal(0, body.GetProperty("logprobs").GetInt32());
        Assert.True(body.GetProperty("return_tokens_as_token_ids").GetBoolean());
        Assert.False(body.TryGetProperty("return_token_ids", out _));
    }

    [Fact]
    public async Task Vllm_auto_mode_falls_back_to_logprobs_for_an_older_server_and_remembers_it()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer, perEvent: 2, serverKnowsReturnTokenIds: false));
        using var generator = Generator(server);

        Assert.Equal(Answer, await CollectAsync(generator));
        Assert.Equal(Answer, await CollectAsync(generator));

        var bodies = server.Requests.Select(r => r.Json).ToArray();
        Assert.Equal(3, bodies.Length);
        Assert.True(bodies[0].TryGetProperty("return_token_ids", out _));
        Assert.True(bodies[1].GetProperty("return_tokens_as_token_ids").GetBoolean());
        Assert.True(bodies[2].GetProperty("return_tokens_as_token_ids").GetBoolean());
    }

    [Fact]
    public async Task Vllm_explicit_return_token_ids_mode_rejects_a_server_that_ignores_it()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer, serverKnowsReturnTokenIds: false));
        using var generator = Generator(o => o with { VllmTokenIds = VllmTokenIdSource.ReturnTokenIds }, server);

        var e = await Assert.ThrowsAsync<RemoteProtocolException>(() => CollectAsync(generator));
        Assert.Contains("token_ids", e.Message);
        Assert.Equal(1, server.RequestCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sglang_native_generate_stream_yields_new_ids_whether_output_ids_are_incremental_or_cumulative(bool cumulative)
    {
        await using var server = new FakeInferenceServer(x => SglangWire.PlayAsync(x, Answer, cumulative, perEvent: 2));
        using var generator = Generator(o => o, [new RemoteEndpoint(server.BaseUrl, RemoteProtocol.SGLang)]);

        var ids = await CollectAsync(generator, new GenerationOptions { MaxTokens = 50, Seed = 7 });

        Assert.Equal(Answer, ids);
        var request = server.Requests.Single();
        Assert.Equal("/generate", request.Path);
        Assert.Equal(Prompt, request.IntArray("input_ids"));
        var sampling = request.Json.GetProperty("sampling_params");
        Assert.Equal(50, sampling.GetProperty("max_new_tokens").GetInt32());
        Assert.False(sampling.GetProperty("skip_special_tokens").GetBoolean());
        Assert.Equal(7, sampling.GetProperty("sampling_seed").GetInt32());
        Assert.True(request.Json.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task Sglang_abort_is_an_error_not_a_short_answer()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(SglangWire.Chunk([12194], 1, 7, null));
            await x.SendEventAsync(SglangWire.Chunk([], 1, 7, new { type = "abort", message = "scheduler restarted" }));
            await x.SendDoneAsync();
        });
        using var generator = Generator(o => o, [new RemoteEndpoint(server.BaseUrl, RemoteProtocol.SGLang)]);
        var got = new List<int>();

        var e = await Assert.ThrowsAsync<RemoteStreamBrokenException>(() => CollectAsync(generator, into: got));

        Assert.Equal([12194], got);
        Assert.Equal(1, e.TokensReceived);
        Assert.Contains("scheduler restarted", e.Message);
    }

    [Fact]
    public async Task Service_unavailable_then_success_is_retried_transparently()
    {
        var calls = 0;
        await using var server = new FakeInferenceServer(x => Interlocked.Increment(ref calls) == 1
            ? x.RespondAsync(503, """{"object":"error","message":"engine is warming up"}""")
            : VllmWire.PlayAsync(x, Answer));
        using var generator = Generator(server);

        Assert.Equal(Answer, await CollectAsync(generator));
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Too_many_requests_waits_for_the_servers_retry_after()
    {
        var calls = 0;
        var firstAt = TimeSpan.Zero;
        var secondAt = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        await using var server = new FakeInferenceServer(x =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                firstAt = watch.Elapsed;
                return x.RespondAsync(429, "slow down", "text/plain", "Retry-After: 1\r\n");
            }
            secondAt = watch.Elapsed;
            return VllmWire.PlayAsync(x, Answer);
        });
        using var generator = Generator(server);

        Assert.Equal(Answer, await CollectAsync(generator));

        Assert.Equal(2, server.RequestCount);
        Assert.True(secondAt - firstAt >= TimeSpan.FromMilliseconds(900), $"retried after {(secondAt - firstAt).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Retry_after_beyond_the_limit_is_capped()
    {
        var calls = 0;
        await using var server = new FakeInferenceServer(x => Interlocked.Increment(ref calls) == 1
            ? x.RespondAsync(503, "maintenance", "text/plain", "Retry-After: 3600\r\n")
            : VllmWire.PlayAsync(x, Answer));
        using var generator = Generator(o => o with { MaxRetryAfter = TimeSpan.FromMilliseconds(50) }, server);
        var watch = Stopwatch.StartNew();

        Assert.Equal(Answer, await CollectAsync(generator));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"waited {watch.Elapsed}");
    }

    [Fact]
    public async Task Service_unavailable_on_every_attempt_surfaces_the_last_status_and_body()
    {
        await using var server = new FakeInferenceServer(x => x.RespondAsync(503, "overloaded, try later", "text/plain"));
        using var generator = Generator(o => o with { MaxRetryAttempts = 2 }, server);

        var e = await Assert.ThrowsAsync<RemoteServerException>(() => CollectAsync(generator));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Contains("overloaded, try later", e.Message);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task Client_error_is_not_retried_and_quotes_the_server_body()
    {
        const string body = """{"object":"error","message":"This model's maximum context length is 131072 tokens","type":"BadRequestError","code":400}""";
        await using var server = new FakeInferenceServer(x => x.RespondAsync(400, body));
        using var generator = Generator(server);

        var e = await Assert.ThrowsAsync<RemoteServerException>(() => CollectAsync(generator));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("maximum context length is 131072 tokens", e.Message);
        Assert.Contains("400", e.Message);
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(0, generator.OutstandingRequests(0));
    }

    [Fact]
    public async Task Connection_dropped_mid_stream_reports_how_many_tokens_arrived_and_is_not_retried()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([200005, 35644], promptIds: Prompt));
            await x.SendEventAsync(VllmWire.Chunk([200008]));
            await Task.Delay(50, x.Stopping);
            x.Drop();
        });
        using var generator = Generator(server);
        var got = new List<int>();

        var e = await Assert.ThrowsAsync<RemoteStreamBrokenException>(() => CollectAsync(generator, into: got));

        Assert.Equal(3, e.TokensReceived);
        Assert.Equal([200005, 35644, 200008], got);
        Assert.Contains("after 3 token(s)", e.Message);
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(0, generator.OutstandingRequests(0));
    }

    [Fact]
    public async Task Connection_dropped_before_the_first_token_is_retried()
    {
        var calls = 0;
        await using var server = new FakeInferenceServer(async x =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await x.StartEventStreamAsync();
                x.Drop();
                return;
            }
            await VllmWire.PlayAsync(x, Answer);
        });
        using var generator = Generator(server);

        Assert.Equal(Answer, await CollectAsync(generator));
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Stream_closed_without_finish_reason_is_broken_not_short()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([12194, 382]));
            await x.SendDoneAsync();
        });
        using var generator = Generator(server);

        var e = await Assert.ThrowsAsync<RemoteStreamBrokenException>(() => CollectAsync(generator));

        Assert.Equal(2, e.TokensReceived);
        Assert.Contains("[DONE] without a finish reason", e.Message);
    }

    [Fact]
    public async Task Malformed_event_line_is_a_protocol_error_naming_the_line()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([12194]));
            await x.SendRawAsync("data: {\"choices\": [{\"token_ids\": [382, \n\n");
            await x.SendDoneAsync();
        });
        using var generator = Generator(server);
        var got = new List<int>();

        var e = await Assert.ThrowsAsync<RemoteProtocolException>(() => CollectAsync(generator, into: got));

        Assert.Equal([12194], got);
        Assert.Equal(1, e.TokensReceived);
        Assert.Contains("{\"choices\": [{\"token_ids\": [382,", e.Message);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Token_id_of_the_wrong_type_is_a_protocol_error()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync("""{"choices":[{"index":0,"text":"x","token_ids":["12194"],"finish_reason":null}]}""");
            await x.SendDoneAsync();
        });
        using var generator = Generator(server);

        var e = await Assert.ThrowsAsync<RemoteProtocolException>(() => CollectAsync(generator));
        Assert.Contains("token_ids", e.Message);
    }

    [Fact]
    public async Task Error_event_in_the_stream_surfaces_the_server_message()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([12194, 382]));
            await x.SendEventAsync(VllmWire.StreamingError("CUDA out of memory"));
            await x.SendDoneAsync();
        });
        using var generator = Generator(server);

        var e = await Assert.ThrowsAsync<RemoteStreamBrokenException>(() => CollectAsync(generator));

        Assert.Equal(2, e.TokensReceived);
        Assert.True(e.ReportedByServer);
        Assert.Contains("CUDA out of memory", e.Message);
    }

    [Fact]
    public async Task Cancellation_of_a_slow_stream_aborts_the_http_request()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acceptedAfterCancel = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([200005, 35644]));
            acceptedAfterCancel.TrySetResult(await x.WritesAcceptedAfterAsync(cancelled.Task, TimeSpan.FromSeconds(15)));
        });
        using var generator = Generator(server);
        using var cancel = new CancellationTokenSource();
        var got = new List<int>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var id in generator.GenerateAsync(Prompt, StopTokens, GenerationOptions.Default, cancel.Token))
            {
                got.Add(id);
                if (got.Count == 2)
                    cancel.CancelAfter(TimeSpan.FromMilliseconds(100));
            }
        });
        cancelled.SetResult();

        Assert.Equal([200005, 35644], got);
        var accepted = await acceptedAfterCancel.Task.WaitAsync(TestLimit);
        Assert.True(accepted is not null, "the server never saw the client close the connection");
        // The request is aborted, not drained in the background: the server's next keep-alive (50 ms polls) meets a
        // closed connection. Counted in writes, not milliseconds, so that a slow machine cannot fail it; a draining
        // client would accept them for its whole drain timeout (2 s, some 40 polls).
        Assert.True(accepted <= 2, $"the connection accepted {accepted} keep-alives after the caller cancelled");
        Assert.Equal(0, generator.OutstandingRequests(0));
    }

    [Fact]
    public async Task Consumer_that_stops_early_closes_the_connection_instead_of_draining_it()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acceptedAfterStop = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([200005, 35644]));
            // Keeps the stream busy (keep-alive comments every 50 ms), like a server still generating.
            acceptedAfterStop.TrySetResult(await x.WritesAcceptedAfterAsync(stopped.Task, TimeSpan.FromSeconds(15)));
        });
        using var generator = Generator(server);

        var got = new List<int>();
        await foreach (var id in generator.GenerateAsync(Prompt, StopTokens, GenerationOptions.Default))
        {
            got.Add(id);
            if (got.Count == 2)
                break;
        }
        stopped.SetResult();

        var accepted = await acceptedAfterStop.Task.WaitAsync(TestLimit);
        Assert.Equal([200005, 35644], got);
        Assert.True(accepted is not null, "the server never saw the client close the connection");
        Assert.True(accepted <= 2, $"the connection accepted {accepted} keep-alives after the consumer stopped");
        Assert.Equal(0, generator.OutstandingRequests(0));
    }

    [Fact]
    public async Task Cancellation_before_the_first_token_stops_retrying()
    {
        using var cancel = new CancellationTokenSource();
        var calls = 0;
        await using var server = new FakeInferenceServer(async x =>
        {
            // The caller gives up while its third attempt waits for an answer (not on a clock, which a loaded machine
            // could let run out before the first request even arrived).
            if (Interlocked.Increment(ref calls) == 3)
                await cancel.CancelAsync();
            await x.RespondAsync(503, "busy");
        });
        using var generator = Generator(o => o with { MaxRetryAttempts = 1000, RetryBaseDelay = TimeSpan.FromMilliseconds(20) }, server);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CollectAsync(generator, token: cancel.Token));
        // Still retrying, it would have sent a fourth attempt well within this second (backoff from 20 ms, doubling).
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(0, generator.OutstandingRequests(0));
    }

    [Fact]
    public async Task Silent_server_times_out_waiting_for_the_first_token_once_without_asking_it_again()
    {
        // The headers come at once and then nothing. The timeout leaves a loaded machine ample time for the headers,
        // which it also covers ("waiting for the response headers" would be a different failure than the one pinned).
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.StartEventStreamAsync();
            await x.WaitForClientDisconnectAsync(TimeSpan.FromSeconds(15));
        });
        using var generator = Generator(o => o with { FirstTokenTimeout = TimeSpan.FromSeconds(1), MaxRetryAttempts = 1 }, server);

        var e = await Assert.ThrowsAsync<RemoteTimeoutException>(() => CollectAsync(generator));

        Assert.Equal(0, e.TokensReceived);
        Assert.Contains("first token", e.Message);
        Assert.Equal(1, server.RequestCount); // the documented timeout, not one per retry
    }

    [Fact]
    public async Task Stall_after_tokens_times_out_with_the_token_count_and_no_retry()
    {
        await using var server = new FakeInferenceServer(async x =>
        {
            await x.SendEventAsync(VllmWire.Chunk([200005, 35644, 200008]));
            await x.WaitForClientDisconnectAsync(TimeSpan.FromSeconds(15));
        });
        using var generator = Generator(o => o with { InterTokenTimeout = TimeSpan.FromMilliseconds(300) }, server);

        var e = await Assert.ThrowsAsync<RemoteTimeoutException>(() => CollectAsync(generator));

        Assert.Equal(3, e.TokensReceived);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Sixteen_concurrent_conversations_spread_evenly_over_two_replicas()
    {
        const int conversations = 16;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Handler(FakeExchange x)
        {
            // Hold every stream open until all 16 are in flight, so the balancer sees real load.
            if (Interlocked.Increment(ref arrived) == conversations)
                allArrived.TrySetResult();
            await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(20), x.Stopping);
            var prompt = x.Request.IntArray("prompt");
            var seed = prompt[^1];
            int[] answer = [seed, seed + 1, seed + 2, seed + 3, 200002];
            await VllmWire.PlayAsync(x, answer, perEvent: 1, delay: TimeSpan.FromMilliseconds(2));
        }
        await using var a = new FakeInferenceServer(Handler);
        await using var b = new FakeInferenceServer(Handler);
        using var generator = Generator(a, b);

        var tasks = Enumerable.Range(0, conversations).Select(async c =>
        {
            int[] prompt = [.. Prompt, 1000 * (c + 1)];
            var ids = new List<int>();
            using var limit = new CancellationTokenSource(TestLimit);
            await foreach (var id in generator.GenerateAsync(prompt, StopTokens, GenerationOptions.Default, limit.Token))
                ids.Add(id);
            return (c, ids);
        }).ToArray();
        var results = await Task.WhenAll(tasks);

        foreach (var (c, ids) in results)
        {
            var s = 1000 * (c + 1);
            Assert.Equal([s, s + 1, s + 2, s + 3, 200002], ids);
        }
        Assert.Equal(8, a.RequestCount);
        Assert.Equal(8, b.RequestCount);
        Assert.Equal(8, a.MaxInFlight);
        Assert.Equal(8, b.MaxInFlight);
        Assert.Equal(0, generator.OutstandingRequests(0));
        Assert.Equal(0, generator.OutstandingRequests(1));
    }

    [Fact]
    public async Task Failed_replica_is_avoided_on_the_retry()
    {
        await using var broken = new FakeInferenceServer(x => x.RespondAsync(500, "boom"));
        await using var healthy = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer));
        using var generator = Generator(broken, healthy);

        for (var i = 0; i < 4; i++)
            Assert.Equal(Answer, await CollectAsync(generator));

        Assert.Equal(4, healthy.RequestCount);
        Assert.InRange(broken.RequestCount, 0, 4);
    }

    [Fact]
    public async Task Api_key_from_the_environment_is_sent_as_a_bearer_token()
    {
        const string variable = "CAMPFIRE_REMOTE_TEST_KEY";
        Environment.SetEnvironmentVariable(variable, "sk-local-test");
        try
        {
            await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer));
            using var generator = Generator(o => o with { ApiKeyEnvironmentVariable = variable }, server);

            await CollectAsync(generator);

            Assert.Equal("Bearer sk-local-test", server.Requests.Single().Headers["Authorization"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Unset_api_key_variable_is_a_configuration_error()
    {
        var e = Assert.Throws<RemoteConfigurationException>(() => new RemoteTokenGenerator(new RemoteGeneratorOptions
        {
            Endpoints = [RemoteEndpoint.Parse("http://127.0.0.1:9")],
            ApiKeyEnvironmentVariable = "CAMPFIRE_REMOTE_SURELY_UNSET_VARIABLE",
        }));
        Assert.Contains("CAMPFIRE_REMOTE_SURELY_UNSET_VARIABLE", e.Message);
    }

    [Fact]
    public void Options_without_endpoints_are_rejected()
    {
        Assert.Throws<RemoteConfigurationException>(() => new RemoteTokenGenerator(new RemoteGeneratorOptions { Endpoints = [] }));
    }

    [Fact]
    public async Task Empty_prompt_is_rejected_before_any_request()
    {
        await using var server = new FakeInferenceServer(x => VllmWire.PlayAsync(x, Answer));
        using var generator = Generator(server);

        Assert.Throws<RemoteConfigurationException>(() => generator.GenerateAsync(ReadOnlyMemory<int>.Empty, StopTokens, GenerationOptions.Default));
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task Unreachable_endpoint_fails_with_the_endpoint_named()
    {
        // Bound but never listening: connecting is refused, and no other test's server can take the port meanwhile
        // (a port freed again right away could be handed to the next listener).
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)refusing.LocalEndPoint!).Port;
        using var generator = Generator(o => o with { MaxRetryAttempts = 1 }, [RemoteEndpoint.Parse($"http://127.0.0.1:{port}")]);

        var e = await Assert.ThrowsAsync<RemoteGenerationException>(() => CollectAsync(generator));
        Assert.Contains($"127.0.0.1:{port}", e.Message);
    }

    [Theory]
    [InlineData("http://gpu-a:8000", RemoteProtocol.Vllm, "http://gpu-a:8000/v1/completions")]
    [InlineData("http://gpu-a:8000/v1", RemoteProtocol.Vllm, "http://gpu-a:8000/v1/completions")]
    [InlineData("vllm+https://gpu-a/v1/", RemoteProtocol.Vllm, "https://gpu-a/v1/completions")]
    [InlineData("sglang+http://gpu-b:30000", RemoteProtocol.SGLang, "http://gpu-b:30000/generate")]
    public void Endpoint_text_selects_protocol_and_request_url(string text, RemoteProtocol protocol, string url)
    {
        var endpoint = RemoteEndpoint.Parse(text);
        Assert.Equal(protocol, endpoint.Protocol);
        Assert.Equal(new Uri(url), endpoint.GenerationUrl);
    }

    [Theory]
    [InlineData("gpu-a:8000")]
    [InlineData("ftp://gpu-a/")]
    [InlineData("not a url")]
    public void Endpoint_text_that_is_not_an_http_url_is_rejected(string text)
    {
        Assert.Throws<RemoteConfigurationException>(() => RemoteEndpoint.Parse(text));
    }
}
