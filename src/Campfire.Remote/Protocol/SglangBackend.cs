using System.Buffers;
using System.Text.Json;
using Campfire.Harmony.Engine;

namespace Campfire.Remote.Protocol;

/// <summary>
/// SGLang's native <c>POST /generate</c>, streamed, with the prompt as <c>input_ids</c>. Selected by an
/// "sglang+http://host:30000" endpoint or <see cref="RemoteProtocol.SGLang"/>.
/// </summary>
/// <remarks>
/// Each event is <c>{"text", "output_ids", "meta_info": {"finish_reason", "completion_tokens", ...}}</c>. Depending
/// on the SGLang version and its <c>--stream-output</c> setting, <c>output_ids</c> holds either the new ids or all ids
/// so far; the cumulative <c>meta_info.completion_tokens</c> tells which of them are new.
/// </remarks>
public sealed class SglangBackend : RemoteBackend
{
    /// <inheritdoc/>
    public override string Name => "SGLang";

    /// <inheritdoc/>
    public override string UrlPrefix => "sglang";

    /// <inheritdoc/>
    public override RemoteProtocol? Protocol => RemoteProtocol.SGLang;

    /// <summary><c>{base}/generate</c>.</summary>
    public override Uri GetGenerationUrl(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/generate");
    }

    /// <inheritdoc/>
    public override void WriteRequest(IBufferWriter<byte> destination, RemoteGenerationRequest request) =>
        WriteBody(destination, request.Prompt.Span, request.StopTokens.Span, request.Options);

    /// <inheritdoc/>
    public override RemoteChunkReader CreateChunkReader(RemoteGenerationRequest request) => new Reader();

    /// <summary>
    /// Writes the <c>/generate</c> body: <c>input_ids</c>, <c>stream</c>, and <c>sampling_params</c> with
    /// <c>max_new_tokens</c>, <c>stop_token_ids</c>, <c>skip_special_tokens: false</c>, <c>no_stop_trim</c>
    /// (and <c>sampling_seed</c> when a seed is set). SGLang serves one model, so there is no model name.
    /// </summary>
    /// <param name="destination">Receives the UTF-8 JSON.</param>
    /// <param name="prompt">The prompt's token ids.</param>
    /// <param name="stopTokens">Ids that end the generation (streamed, not trimmed: <c>no_stop_trim</c>).</param>
    /// <param name="options">Token limit and sampling.</param>
    public static void WriteBody(IBufferWriter<byte> destination, ReadOnlySpan<int> prompt,
        ReadOnlySpan<int> stopTokens, GenerationOptions options)
    {
        using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        WriteIdArray(json, "input_ids"u8, prompt);
        json.WriteBoolean("stream"u8, true);
        json.WriteStartObject("sampling_params"u8);
        json.WriteNumber("max_new_tokens"u8, options.MaxTokens);
        json.WriteNumber("temperature"u8, options.Temperature);
        json.WriteNumber("top_p"u8, options.TopP);
        if (options.Seed is { } seed)
            json.WriteNumber("sampling_seed"u8, seed);
        WriteIdArray(json, "stop_token_ids"u8, stopTokens);
        json.WriteBoolean("skip_special_tokens"u8, false);
        json.WriteBoolean("spaces_between_special_tokens"u8, false);
        json.WriteBoolean("no_stop_trim"u8, true);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// Reads one streamed event: <c>output_ids</c> are appended to <paramref name="ids"/> as they stand (new or
    /// cumulative: <see cref="StreamChunk.CompletionTokens"/> lets the caller tell), without allocating for a
    /// well-formed event.
    /// </summary>
    /// <exception cref="InvalidDataException">The event is not a well-formed chunk.</exception>
    /// <exception cref="JsonException">The event is not well-formed JSON.</exception>
    public static void Parse(ReadOnlySpan<byte> json, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        chunk.Reset();
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        JsonChunkReading.ReadStartObject(ref reader, "event data");
        var errors = default(TopLevelErrorMembers);
        while (JsonChunkReading.ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("output_ids"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                JsonChunkReading.Expect(ref reader, JsonTokenType.StartArray, "output_ids");
                chunk.HasTokenIds = true;
                JsonChunkReading.ReadIdArray(ref reader, ids, "output_ids");
            }
            else if (reader.ValueTextEquals("meta_info"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                JsonChunkReading.Expect(ref reader, JsonTokenType.StartObject, "meta_info");
                ParseMetaInfo(ref reader, ref chunk);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                chunk.HasText |= reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0;
                reader.Skip();
            }
            else if (!errors.TryRead(ref reader))
            {
                reader.Skip();
            }
        }
        chunk.HasChoice = errors.Message is null;
        chunk.ErrorMessage = errors.Message ?? chunk.ErrorMessage; // an abort finish reason carries its own message
    }

    private static void ParseMetaInfo(ref Utf8JsonReader reader, ref StreamChunk chunk)
    {
        while (JsonChunkReading.ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var count) && count >= 0)
                    chunk.CompletionTokens = count;
                else
                    throw new InvalidDataException("meta_info.completion_tokens is not a non-negative integer");
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                ParseFinishReason(ref reader, ref chunk);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>Older servers send the reason as a string, newer ones as <c>{"type", "matched", "message"}</c>.</summary>
    private static void ParseFinishReason(ref Utf8JsonReader reader, ref StreamChunk chunk)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return;
            case JsonTokenType.String:
                chunk.Finish = JsonChunkReading.ReadFinishReason(ref reader);
                return;
            case JsonTokenType.StartObject:
                string? message = null;
                while (JsonChunkReading.ReadProperty(ref reader))
                {
                    if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        chunk.Finish = JsonChunkReading.ReadFinishReason(ref reader);
                    }
                    else if (reader.ValueTextEquals("matched"u8))
                    {
                        reader.Read();
                        // A matched stop string is text; only a number names the stop token.
                        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var matched))
                            chunk.MatchedStopTokenId = matched;
                        else
                            reader.Skip();
                    }
                    else if (reader.ValueTextEquals("message"u8))
                    {
                        reader.Read();
                        message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        reader.Skip();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                if (chunk.Finish == RemoteFinishReason.Abort)
                    chunk.ErrorMessage = "request aborted by the server: " + (message ?? "(no message)");
                return;
            default:
                throw new InvalidDataException($"meta_info.finish_reason is {reader.TokenType}, expected null, a string or an object");
        }
    }

    /// <summary>One response's reading: keeps the count of ids received so far to cut cumulative output_ids down to the new ones.</summary>
    private sealed class Reader : RemoteChunkReader
    {
        private int _receivedFromServer;

        public override void Parse(ReadOnlySpan<byte> data, TokenIdBuffer ids, ref StreamChunk chunk) =>
            SglangBackend.Parse(data, ids, ref chunk);

        public override ChunkVerdict Review(in StreamChunk chunk, TokenIdBuffer ids, bool beforeFirstToken)
        {
            if (!chunk.HasChoice)
                return ChunkVerdict.Accept;
            if (chunk.CompletionTokens < 0)
            {
                // Without the count the ids can only be taken as new (incremental streaming).
                _receivedFromServer += ids.Count;
                return ChunkVerdict.Accept;
            }
            var fresh = chunk.CompletionTokens - _receivedFromServer;
            if (fresh < 0 || fresh > ids.Count)
            {
                throw new InvalidDataException(
                    $"meta_info.completion_tokens {chunk.CompletionTokens} does not fit {ids.Count} output_ids after {_receivedFromServer} received");
            }
            ids.KeepLast(fresh);
            _receivedFromServer = chunk.CompletionTokens;
            return ChunkVerdict.Accept;
        }
    }
}
