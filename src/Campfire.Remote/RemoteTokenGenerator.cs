using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Campfire.Harmony.Engine;
using Campfire.Remote.Protocol;
using Polly;
using Polly.Retry;

namespace Campfire.Remote;

/// <summary>
/// An <see cref="ITokenGenerator"/> whose decode loop runs on vLLM or SGLang replicas. The prompt goes out as our
/// rendered token ids and the generated ids come back as ids, so the host keeps rendering, parsing and tools and the
/// server's chat template never touches the Harmony format.
/// </summary>
/// <remarks>
/// Each generation takes the replica with the fewest streams in flight. Failures before the first token (connect
/// errors, 5xx/429/408, a stream that dies before any id, the first-token timeout) are retried with exponential
/// backoff and jitter, preferring another replica; once a token has reached the caller nothing is retried, and a
/// broken stream throws <see cref="RemoteStreamBrokenException"/> with the count of tokens that arrived.
/// </remarks>
public sealed class RemoteTokenGenerator : ITokenGenerator, IDisposable
{
    private readonly RemoteGeneratorOptions _options;
    private readonly RemoteEndpoint[] _endpoints;
    private readonly EndpointBalancer _balancer;
    private readonly HttpClient _http;
    private readonly string? _apiKey;
    private readonly bool[] _needsFallback;
    private readonly ResiliencePipeline _retry;

    /// <summary>A generator over <paramref name="options"/>' endpoints.</summary>
    /// <param name="options">Endpoints, timeouts, retries; validated here.</param>
    /// <param name="handler">The HTTP handler to send through (tests, proxies); null for a pooled
    /// <see cref="SocketsHttpHandler"/> with <see cref="RemoteGeneratorOptions.ConnectTimeout"/>. The generator owns it.</param>
    /// <exception cref="RemoteConfigurationException">No endpoint, a non-positive timeout, a negative retry setting, or
    /// an API-key variable that is not set.</exception>
    public RemoteTokenGenerator(RemoteGeneratorOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints is null || options.Endpoints.Count == 0)
            throw new RemoteConfigurationException("a remote generator needs at least one endpoint");
        if (options.MaxRetryAttempts < 0)
            throw new RemoteConfigurationException($"MaxRetryAttempts must be >= 0, not {options.MaxRetryAttempts}");
        RequirePositive(options.FirstTokenTimeout, nameof(options.FirstTokenTimeout));
        RequirePositive(options.InterTokenTimeout, nameof(options.InterTokenTimeout));
        RequirePositive(options.ConnectTimeout, nameof(options.ConnectTimeout));
        if (options.RetryBaseDelay < TimeSpan.Zero)
            throw new RemoteConfigurationException("RetryBaseDelay must not be negative");

        _options = options;
        _endpoints = [.. options.Endpoints];
        _balancer = new EndpointBalancer(_endpoints.Length);
        _needsFallback = new bool[_endpoints.Length];
        _apiKey = ReadApiKey(options.ApiKeyEnvironmentVariable);

        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            // A stream given up early must be cut, not drained in the background: draining keeps the server
            // generating for a caller that has gone. Finished streams are read to their end by us and pooled.
            MaxResponseDrainSize = 0,
        })
        {
            // Our own first-token and inter-token timeouts govern a stream; HttpClient's would cut long answers.
            Timeout = Timeout.InfiniteTimeSpan,
        };

        _retry = options.MaxRetryAttempts == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<RetryableAttemptException>(),
                    MaxRetryAttempts = options.MaxRetryAttempts,
                    Delay = options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    // A server that says when to come back (Retry-After on 429/503) knows better than our backoff.
                    DelayGenerator = args => ValueTask.FromResult(
                        args.Outcome.Exception is RetryableAttemptException { Failure: RemoteServerException { RetryAfter: { } after } }
                            ? (TimeSpan?)TimeSpan.FromTicks(Math.Clamp(after.Ticks, 0, options.MaxRetryAfter.Ticks))
                            : null),
                })
                .Build();
    }

    /// <summary>The replicas, in the order given; indexes match <see cref="OutstandingRequests"/>.</summary>
    public IReadOnlyList<RemoteEndpoint> Endpoints => _endpoints;

    /// <summary>Streams in flight on replica <paramref name="endpointIndex"/> (what the balancer compares).</summary>
    public int OutstandingRequests(int endpointIndex) => _balancer.Outstanding(endpointIndex);

    /// <summary>
    /// Streams the ids the server generates after <paramref name="prompt"/>, up to and including the first stop token
    /// or <see cref="GenerationOptions.MaxTokens"/> ids. The request is sent when enumeration starts; abandoning the
    /// enumeration aborts it on the server.
    /// </summary>
    /// <exception cref="RemoteConfigurationException">Empty prompt, a negative id or a negative token limit (thrown here, before anything is sent).</exception>
    /// <exception cref="RemoteGenerationException">During enumeration: the failure that ended the generation (a
    /// <see cref="RemoteServerException"/>, <see cref="RemoteTimeoutException"/>, <see cref="RemoteStreamBrokenException"/>
    /// or <see cref="RemoteProtocolException"/>), after the retries allowed before the first token.</exception>
    public IAsyncEnumerable<int> GenerateAsync(ReadOnlyMemory<int> prompt, ReadOnlyMemory<int> stopTokens,
        GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.IsEmpty)
            throw new RemoteConfigurationException("the prompt is empty: a remote generation needs at least one token id");
        if (options.MaxTokens < 0)
            throw new RemoteConfigurationException($"MaxTokens must be >= 0, not {options.MaxTokens}");
        foreach (var id in prompt.Span)
        {
            if (id < 0)
                throw new RemoteConfigurationException($"prompt holds the negative token id {id}");
        }
        return GenerateCoreAsync(prompt, stopTokens.ToArray(), options, cancellationToken);
    }

    /// <summary>What a constrained request is refused with: the mask needs the logits, which stay on the server.</summary>
    public const string ConstraintNotSupportedMessage =
        "remote generation (vLLM, SGLang) cannot apply Campfire's token constraint: the mask must be applied where the logits are, "
        + "on the server, and Harmony's grammar has no exact equivalent among their structured-output options; "
        + "generate locally for constrained output (see docs/scaling-out.md, \"Constrained generation\")";

    /// <summary>Generates as <see cref="GenerateAsync(ReadOnlyMemory{int}, ReadOnlyMemory{int}, GenerationOptions, CancellationToken)"/>
    /// does; the unchanged-prefix hint is not needed (the servers cache prefixes themselves).</summary>
    /// <exception cref="NotSupportedException">The request carries a <see cref="TokenGenerationRequest.Constraint"/>
    /// (thrown here, before anything is sent): silently ignoring it would return output the caller believes constrained.</exception>
    public IAsyncEnumerable<int> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Constraint is not null)
            throw new NotSupportedException(ConstraintNotSupportedMessage);
        return GenerateAsync(request.Prompt, request.StopTokens, request.Options, cancellationToken);
    }

    private async IAsyncEnumerable<int> GenerateCoreAsync(ReadOnlyMemory<int> prompt, int[] stopTokens,
        GenerationOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (options.MaxTokens == 0)
            yield break;
        cancellationToken.ThrowIfCancellationRequested();

        var request = new AttemptRequest(prompt, stopTokens, options, cancellationToken);
        RemoteStream stream;
        try
        {
            stream = await _retry.ExecuteAsync(
                static (state, token) => state.Generator.OpenAsync(state.Request, token),
                (Generator: this, Request: request),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RetryableAttemptException e)
        {
            throw e.Failure;
        }

        var readToEnd = false;
        try
        {
            while (true)
            {
                while (stream.TryDequeue(out var id))
                {
                    yield return id;
                    stream.Delivered++;
                    if (stream.Delivered >= options.MaxTokens || Array.IndexOf(stopTokens, id) >= 0)
                    {
                        readToEnd = stream.Finished;
                        yield break;
                    }
                }
                if (stream.Finished)
                {
                    readToEnd = true;
                    yield break;
                }
                if (!await stream.ReadNextAsync(_options.InterTokenTimeout, "waiting for the next event").ConfigureAwait(false))
                    yield break;
            }
        }
        finally
        {
            // Only a stream the server has finished is read on to [DONE] (so its connection can be reused); one the
            // caller abandoned is disposed at once, which aborts the request.
            if (readToEnd)
                await stream.ReadToEndQuietlyAsync().ConfigureAwait(false);
            stream.Dispose();
            _balancer.Release(stream.EndpointIndex);
        }
    }

    /// <summary>One attempt: send, check the status, read until the first ids (or the end). Retryable failures are wrapped.</summary>
    private async ValueTask<RemoteStream> OpenAsync(AttemptRequest request, CancellationToken token)
    {
        var index = _balancer.Acquire(request.LastFailedEndpoint);
        var endpoint = _endpoints[index];
        var handedOver = false;
        try
        {
            // At most one downgrade (e.g. an older vLLM ignores return_token_ids): ask again in the fallback form, and
            // remember the replica so that later requests start there.
            for (var round = 0; ; round++)
            {
                var stream = await OpenOnceAsync(request, endpoint, index, token).ConfigureAwait(false);
                if (!stream.NeedsFallback || round > 0)
                {
                    handedOver = true;
                    return stream;
                }
                stream.Dispose();
                _needsFallback[index] = true;
            }
        }
        catch (RemoteGenerationException e) when (IsRetryable(e) && !TimedOutEverywhere(e, request, index))
        {
            request.LastFailedEndpoint = index;
            throw new RetryableAttemptException(e);
        }
        finally
        {
            if (!handedOver)
                _balancer.Release(index);
        }
    }

    private async ValueTask<RemoteStream> OpenOnceAsync(AttemptRequest request, RemoteEndpoint endpoint, int index, CancellationToken token)
    {
        var backend = endpoint.Backend;
        var attempt = new RemoteGenerationRequest(_options, request.Prompt, request.StopTokens, request.Options, _needsFallback[index]);

        var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(_options.FirstTokenTimeout);
        HttpResponseMessage? response = null;
        RemoteStream? stream = null;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.GenerationUrl)
            {
                Content = BuildBody(backend, attempt),
            };
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (_apiKey is not null)
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);

            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadErrorBodyAsync(response, timeout.Token).ConfigureAwait(false);
                throw new RemoteServerException(response.StatusCode, body, endpoint.BaseUrl) { RetryAfter = RetryAfterOf(response) };
            }
            var content = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            stream = new RemoteStream(endpoint.BaseUrl, index, response, content, timeout, request.CallerToken,
                backend.CreateChunkReader(attempt), request.StopTokens);

            // The first-token timeout covers queueing and prefill; it runs from the send, not per event.
            var remaining = _options.FirstTokenTimeout;
            var started = Environment.TickCount64;
            while (!stream.HasPending && !stream.Finished && !stream.NeedsFallback)
            {
                remaining = _options.FirstTokenTimeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
                if (remaining <= TimeSpan.Zero)
                    throw new RemoteTimeoutException(endpoint.BaseUrl, 0, _options.FirstTokenTimeout, "waiting for the first token");
                if (!await stream.ReadNextAsync(remaining, "waiting for the first token").ConfigureAwait(false))
                    break;
            }
            return stream;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            Cleanup();
            throw new RemoteTimeoutException(endpoint.BaseUrl, 0, _options.FirstTokenTimeout, "waiting for the response headers");
        }
        catch (HttpRequestException e)
        {
            Cleanup();
            throw new RemoteGenerationException($"{endpoint.BaseUrl}: request failed: {e.Message}", e) { Endpoint = endpoint.BaseUrl };
        }
        catch
        {
            Cleanup();
            throw;
        }

        void Cleanup()
        {
            if (stream is not null)
            {
                stream.Dispose();
            }
            else
            {
                response?.Dispose();
                timeout.Dispose();
            }
        }
    }

    private static ByteArrayContent BuildBody(RemoteBackend backend, RemoteGenerationRequest request)
    {
        // Room for o200k ids (up to 6 digits and a comma) and the sampling fields, so the body is written without regrowing.
        var buffer = new ArrayBufferWriter<byte>(256 + request.Prompt.Length * 8);
        backend.WriteRequest(buffer, request);
        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken token)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            var buffer = new byte[_options.MaxErrorBodyBytes];
            var total = 0;
            while (total < buffer.Length)
            {
                var read = await body.ReadAsync(buffer.AsMemory(total), token).ConfigureAwait(false);
                if (read == 0)
                    break;
                total += read;
            }
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, total).Trim();
            return total == buffer.Length ? text + "..." : text;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return $"(error body unreadable: {e.Message})";
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    /// <summary>
    /// A server that accepted the request and stayed silent is not asked again: the timeout is the documented wait, not
    /// one of several. A first-token or header timeout is retried only on a replica that has not timed out yet.
    /// </summary>
    private bool TimedOutEverywhere(RemoteGenerationException e, AttemptRequest request, int index)
    {
        if (e is not RemoteTimeoutException)
            return false;
        request.TimedOutEndpoints.Add(index);
        return request.TimedOutEndpoints.Count >= _endpoints.Length;
    }

    /// <summary>Only failures where nothing reached the caller and a second try can succeed.</summary>
    private static bool IsRetryable(RemoteGenerationException e) => e switch
    {
        RemoteServerException server => (int)server.StatusCode >= 500
                                        || server.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        RemoteStreamBrokenException broken => broken.TokensReceived == 0 && !broken.ReportedByServer,
        RemoteTimeoutException timeout => timeout.TokensReceived == 0,
        RemoteProtocolException => false,
        RemoteConfigurationException => false,
        _ => e.InnerException is HttpRequestException,
    };

    private static string? ReadApiKey(string? variable)
    {
        if (variable is null)
            return null;
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
            throw new RemoteConfigurationException($"the API key variable {variable} is not set (or empty)");
        return value.Trim();
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            throw new RemoteConfigurationException($"{name} must be positive, not {value}");
    }

    /// <summary>Closes the HTTP client and its pooled connections (and the handler it was given).</summary>
    public void Dispose() => _http.Dispose();

    private sealed class AttemptRequest(ReadOnlyMemory<int> prompt, int[] stopTokens, GenerationOptions options, CancellationToken callerToken)
    {
        public ReadOnlyMemory<int> Prompt { get; } = prompt;
        public int[] StopTokens { get; } = stopTokens;
        public GenerationOptions Options { get; } = options;
        public CancellationToken CallerToken { get; } = callerToken;
        public int LastFailedEndpoint { get; set; } = -1;
        public HashSet<int> TimedOutEndpoints { get; } = [];
    }

    /// <summary>Carries a failure that the retry pipeline may try again; unwrapped when attempts run out.</summary>
    private sealed class RetryableAttemptException(RemoteGenerationException failure) : Exception(failure.Message, failure)
    {
        public RemoteGenerationException Failure { get; } = failure;
    }
}
