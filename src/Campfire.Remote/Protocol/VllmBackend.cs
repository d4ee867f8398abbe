using System.Buffers;
using System.Text.Json;
using Campfire.Harmony.Engine;

namespace Campfire.Remote.Protocol;

/// <summary>
/// vLLM's OpenAI-compatible <c>POST /v1/completions</c>, streamed, with the prompt as an id list. The default backend:
/// an endpoint URL without a prefix ("http://host:8000", "http://host:8000/v1") or with "vllm+" speaks it.
/// </summary>
/// <remarks>
/// Ids come back in <c>choices[i].token_ids</c> (vLLM 0.10.2+'s <c>return_token_ids</c>) or, for older servers, in
/// <c>choices[i].logprobs.tokens</c>, which <c>return_tokens_as_token_ids</c> turns into "token_id:N" strings; which
/// one is asked for follows <see cref="RemoteGeneratorOptions.VllmTokenIds"/>. In <see cref="VllmTokenIdSource.Auto"/>
/// a server that ignores <c>return_token_ids</c> is detected on its first choice and asked again with logprobs
/// (<see cref="ChunkVerdict.ResendWithFallback"/>).
/// </remarks>
public sealed class VllmBackend : RemoteBackend
{
    /// <inheritdoc/>
    public override string Name => "Vllm";

    /// <inheritdoc/>
    public override string UrlPrefix => "vllm";

    /// <inheritdoc/>
    public override RemoteProtocol? Protocol => RemoteProtocol.Vllm;

    /// <summary><c>{base}/v1/completions</c>, or <c>{base}/completions</c> when the base already ends in <c>/v1</c>
    /// (the form OpenAI clients are configured with).</summary>
    public override Uri GetGenerationUrl(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var text = baseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri(text.EndsWith("/v1", StringComparison.Ordinal) ? text + "/completions" : text + "/v1/completions");
    }

    /// <inheritdoc/>
    public override void WriteRequest(IBufferWriter<byte> destination, RemoteGenerationRequest request) =>
        WriteBody(destination, request.Settings.Model, request.Prompt.Span, request.StopTokens.Span, request.Options,
            IdSourceFor(request) == VllmTokenIdSource.Logprobs);

    /// <inheritdoc/>
    public override RemoteChunkReader CreateChunkReader(RemoteGenerationRequest request) => new Reader(IdSourceFor(request));

    /// <summary>
    /// Writes the <c>/v1/completions</c> body: <c>prompt</c> as an id list, <c>stream</c>, <c>stop_token_ids</c>,
    /// <c>skip_special_tokens: false</c>, and either <c>return_token_ids</c> or the older
    /// <c>logprobs: 0</c> + <c>return_tokens_as_token_ids</c>.
    /// </summary>
    /// <param name="destination">Receives the UTF-8 JSON.</param>
    /// <param name="model">The served model name; null omits <c>model</c> (the server's default model).</param>
    /// <param name="prompt">The prompt's token ids.</param>
    /// <param name="stopTokens">Ids that end the generation (streamed, not trimmed: <c>include_stop_str_in_output</c>).</param>
    /// <param name="options">Token limit and sampling.</param>
    /// <param name="useLogprobsForIds">Ask for ids through logprobs (servers older than 0.10.2).</param>
    public static void WriteBody(IBufferWriter<byte> destination, string? model, ReadOnlySpan<int> prompt,
        ReadOnlySpan<int> stopTokens, GenerationOptions options, bool useLogprobsForIds)
    {
        using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        if (model is not null)
            json.WriteString("model"u8, model);
        WriteIdArray(json, "prompt"u8, prompt);
        json.WriteNumber("max_tokens"u8, options.MaxTokens);
        json.WriteNumber("temperature"u8, options.Temperature);
        json.WriteNumber("top_p"u8, options.TopP);
        if (options.Seed is { } seed)
            json.WriteNumber("seed"u8, seed);
        json.WriteBoolean("stream"u8, true);
        json.WriteNumber("n"u8, 1);
        WriteIdArray(json, "stop_token_ids"u8, stopTokens);
        json.WriteBoolean("skip_special_tokens"u8, false);
        json.WriteBoolean("spaces_between_special_tokens"u8, false);
        json.WriteBoolean("include_stop_str_in_output"u8, true);
        if (useLogprobsForIds)
        {
            json.WriteNumber("logprobs"u8, 0);
            json.WriteBoolean("return_tokens_as_token_ids"u8, true);
        }
        else
        {
            json.WriteBoolean("return_token_ids"u8, true);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// Reads one streamed event (a <c>CompletionStreamResponse</c> object): the ids of <paramref name="source"/>'s field
    /// are appended to <paramref name="ids"/> and only the fields we act on are decoded, so a warm stream parses
    /// without allocating. <c>prompt_token_ids</c> (sent once with <c>return_token_ids</c>) is skipped; errors come as
    /// <c>{"error": {...}}</c> (streaming errors) or <c>{"object": "error", "message": ...}</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">The event is not a well-formed chunk.</exception>
    /// <exception cref="JsonException">The event is not well-formed JSON.</exception>
    public static void Parse(ReadOnlySpan<byte> json, VllmTokenIdSource source, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        chunk.Reset();
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        JsonChunkReading.ReadStartObject(ref reader, "event data");
        var errors = default(TopLevelErrorMembers);
        var readLogprobs = source == VllmTokenIdSource.Logprobs;
        while (JsonChunkReading.ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                JsonChunkReading.Expect(ref reader, JsonTokenType.StartArray, "choices");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    JsonChunkReading.Expect(ref reader, JsonTokenType.StartObject, "choices[]");
                    ParseChoice(ref reader, readLogprobs, ids, ref chunk);
                }
            }
            else if (!errors.TryRead(ref reader))
            {
                reader.Skip();
            }
        }
        chunk.ErrorMessage = errors.Message;
    }

    /// <summary>The id source a request really uses: <see cref="VllmTokenIdSource.Auto"/> on a replica known to be
    /// older than <c>return_token_ids</c> means logprobs.</summary>
    private static VllmTokenIdSource IdSourceFor(RemoteGenerationRequest request)
    {
        var configured = request.Settings.VllmTokenIds;
        return configured == VllmTokenIdSource.Auto && request.UseFallback ? VllmTokenIdSource.Logprobs : configured;
    }

    private static void ParseChoice(ref Utf8JsonReader reader, bool readLogprobs, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        chunk.HasChoice = true;
        while (JsonChunkReading.ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("token_ids"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                JsonChunkReading.Expect(ref reader, JsonTokenType.StartArray, "token_ids");
                if (readLogprobs)
                {
                    reader.Skip();
                    continue;
                }
                chunk.HasTokenIds = true;
                JsonChunkReading.ReadIdArray(ref reader, ids, "token_ids");
            }
            else if (reader.ValueTextEquals("logprobs"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                JsonChunkReading.Expect(ref reader, JsonTokenType.StartObject, "logprobs");
                if (!readLogprobs)
                {
                    reader.Skip();
                    continue;
                }
                ParseLogprobs(ref reader, ids, ref chunk);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                chunk.HasText |= reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                chunk.Finish = JsonChunkReading.ReadFinishReason(ref reader);
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                reader.Read();
                // A stop string's text also lands here; only a number names the stop token.
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var stopId))
                    chunk.MatchedStopTokenId = stopId;
                else
                    reader.Skip();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ParseLogprobs(ref Utf8JsonReader reader, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        while (JsonChunkReading.ReadProperty(ref reader))
        {
            if (!reader.ValueTextEquals("tokens"u8))
            {
                reader.Skip();
                continue;
            }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
                continue;
            JsonChunkReading.Expect(ref reader, JsonTokenType.StartArray, "logprobs.tokens");
            chunk.HasTokenIds = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                JsonChunkReading.Expect(ref reader, JsonTokenType.String, "logprobs.tokens[]");
                ids.Add(JsonChunkReading.ParseTokenIdString(ref reader));
            }
        }
    }

    /// <summary>One response's reading: a choice without ids is either an older server (resend) or a protocol error.</summary>
    private sealed class Reader(VllmTokenIdSource source) : RemoteChunkReader
    {
        private bool _sawTokenIds;

        public override void Parse(ReadOnlySpan<byte> data, TokenIdBuffer ids, ref StreamChunk chunk) =>
            VllmBackend.Parse(data, source == VllmTokenIdSource.Logprobs ? VllmTokenIdSource.Logprobs : VllmTokenIdSource.ReturnTokenIds, ids, ref chunk);

        public override ChunkVerdict Review(in StreamChunk chunk, TokenIdBuffer ids, bool beforeFirstToken)
        {
            _sawTokenIds |= chunk.HasTokenIds;
            if (!chunk.HasChoice || chunk.HasTokenIds)
                return ChunkVerdict.Accept;
            // Only before anything reached the caller can the request be sent again without duplicating tokens.
            if (source == VllmTokenIdSource.Auto && !_sawTokenIds && beforeFirstToken)
                return ChunkVerdict.ResendWithFallback;
            // With logprobs, a choice without text (a finish-only event) legitimately has no logprobs.
            if (source != VllmTokenIdSource.Logprobs || chunk.HasText)
            {
                var field = source == VllmTokenIdSource.Logprobs ? "logprobs.tokens" : "token_ids";
                throw new InvalidDataException(
                    $"a streamed choice has no '{field}' (the server ignored "
                    + (source == VllmTokenIdSource.Logprobs ? "logprobs/return_tokens_as_token_ids" : "return_token_ids; vLLM older than 0.10.2? use the logprobs fallback")
                    + ")");
            }
            return ChunkVerdict.Accept;
        }
    }
}
