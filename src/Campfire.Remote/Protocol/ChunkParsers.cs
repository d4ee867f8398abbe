using System.Buffers.Text;
using System.Text.Json;

namespace Campfire.Remote.Protocol;

/// <summary>
/// Reads one streamed vLLM <c>/v1/completions</c> event (a <c>CompletionStreamResponse</c> JSON object) with a
/// forward-only <see cref="Utf8JsonReader"/>: the generated ids are appended to a reused buffer and only the fields
/// we act on are decoded, so a warm stream parses without allocating.
/// </summary>
/// <remarks>
/// Ids come from <c>choices[i].token_ids</c> (vLLM's <c>return_token_ids</c>) or, for older servers, from
/// <c>choices[i].logprobs.tokens</c>, which <c>return_tokens_as_token_ids</c> turns into "token_id:N" strings.
/// <c>prompt_token_ids</c> (sent once with <c>return_token_ids</c>) is skipped. Errors come as
/// <c>{"error": {...}}</c> (streaming errors) or <c>{"object": "error", "message": ...}</c>.
/// </remarks>
public static class VllmChunkParser
{
    /// <summary>Parses <paramref name="json"/>; throws <see cref="InvalidDataException"/> or <see cref="JsonException"/> when it is not a well-formed chunk.</summary>
    public static void Parse(ReadOnlySpan<byte> json, VllmTokenIdSource source, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        chunk.Reset();
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        ReadStartObject(ref reader, "event data");
        var errors = default(TopLevelErrorMembers);
        var readLogprobs = source == VllmTokenIdSource.Logprobs;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                Expect(ref reader, JsonTokenType.StartArray, "choices");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Expect(ref reader, JsonTokenType.StartObject, "choices[]");
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

    private static void ParseChoice(ref Utf8JsonReader reader, bool readLogprobs, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        chunk.HasChoice = true;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("token_ids"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                Expect(ref reader, JsonTokenType.StartArray, "token_ids");
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
                Expect(ref reader, JsonTokenType.StartObject, "logprobs");
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
        while (ReadProperty(ref reader))
        {
            if (!reader.ValueTextEquals("tokens"u8))
            {
                reader.Skip();
                continue;
            }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
                continue;
            Expect(ref reader, JsonTokenType.StartArray, "logprobs.tokens");
            chunk.HasTokenIds = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Expect(ref reader, JsonTokenType.String, "logprobs.tokens[]");
                ids.Add(JsonChunkReading.ParseTokenIdString(ref reader));
            }
        }
    }

    internal static bool ReadProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new InvalidDataException("JSON object ends early");
        if (reader.TokenType == JsonTokenType.EndObject)
            return false;
        Expect(ref reader, JsonTokenType.PropertyName, "object member");
        return true;
    }

    internal static void ReadStartObject(ref Utf8JsonReader reader, string what)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{what} is not a JSON object");
    }

    internal static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string what)
    {
        if (reader.TokenType != expected)
            throw new InvalidDataException($"'{what}' is {reader.TokenType}, expected {expected}");
    }
}

/// <summary>
/// Reads one streamed SGLang <c>/generate</c> event: <c>{"text", "output_ids", "meta_info": {"finish_reason",
/// "completion_tokens", ...}}</c>. Depending on the SGLang version and its <c>--stream-output</c> setting,
/// <c>output_ids</c> holds either the new ids or all ids so far; <c>meta_info.completion_tokens</c> (cumulative)
/// tells the caller which of them are new.
/// </summary>
public static class SglangChunkParser
{
    public static void Parse(ReadOnlySpan<byte> json, TokenIdBuffer ids, ref StreamChunk chunk)
    {
        chunk.Reset();
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        VllmChunkParser.ReadStartObject(ref reader, "event data");
        var errors = default(TopLevelErrorMembers);
        while (VllmChunkParser.ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("output_ids"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                VllmChunkParser.Expect(ref reader, JsonTokenType.StartArray, "output_ids");
                chunk.HasTokenIds = true;
                JsonChunkReading.ReadIdArray(ref reader, ids, "output_ids");
            }
            else if (reader.ValueTextEquals("meta_info"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                VllmChunkParser.Expect(ref reader, JsonTokenType.StartObject, "meta_info");
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
        while (VllmChunkParser.ReadProperty(ref reader))
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
                while (VllmChunkParser.ReadProperty(ref reader))
                {
                    if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        chunk.Finish = JsonChunkReading.ReadFinishReason(ref reader);
                    }
                    else if (reader.ValueTextEquals("matched"u8))
                    {
                        reader.Read();
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
}

/// <summary>
/// The top-level members that make an event an error, in both servers' shapes: <c>{"error": {...}}</c> (streaming
/// errors) and <c>{"object": "error", "message": ...}</c> (OpenAI-style error responses).
/// </summary>
internal struct TopLevelErrorMembers
{
    private string? _error;
    private bool _isErrorObject;
    private string? _message;

    /// <summary>The error message the event carried, or null when it is not an error.</summary>
    public readonly string? Message => _error ?? (_isErrorObject ? _message ?? "(error object without message)" : null);

    /// <summary>Consumes the current member when it is one of the error members; false (nothing consumed) otherwise.</summary>
    public bool TryRead(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("error"u8))
        {
            reader.Read();
            _error = JsonChunkReading.ReadErrorValue(ref reader);
            return true;
        }
        if (reader.ValueTextEquals("object"u8))
        {
            reader.Read();
            _isErrorObject = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("error"u8);
            reader.Skip();
            return true;
        }
        if (reader.ValueTextEquals("message"u8))
        {
            reader.Read();
            _message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            reader.Skip();
            return true;
        }
        return false;
    }
}

internal static class JsonChunkReading
{
    private static ReadOnlySpan<byte> TokenIdPrefix => "token_id:"u8;

    public static void ReadIdArray(ref Utf8JsonReader reader, TokenIdBuffer ids, string field)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var id) || id < 0)
                throw new InvalidDataException($"'{field}' holds {DescribeToken(ref reader)}, expected a non-negative 32-bit token id");
            ids.Add(id);
        }
    }

    /// <summary>Parses vLLM's "token_id:N" form (what <c>return_tokens_as_token_ids</c> puts in logprobs.tokens).</summary>
    public static int ParseTokenIdString(ref Utf8JsonReader reader)
    {
        Span<byte> scratch = stackalloc byte[32];
        scoped ReadOnlySpan<byte> text;
        if (reader.ValueIsEscaped)
        {
            if (reader.ValueSpan.Length > scratch.Length)
                throw new InvalidDataException("logprobs token is not of the form \"token_id:N\" (return_tokens_as_token_ids not honoured?)");
            text = scratch[..reader.CopyString(scratch)];
        }
        else
        {
            text = reader.ValueSpan;
        }
        if (!text.StartsWith(TokenIdPrefix)
            || !Utf8Parser.TryParse(text[TokenIdPrefix.Length..], out int id, out var consumed)
            || consumed != text.Length - TokenIdPrefix.Length
            || id < 0)
        {
            throw new InvalidDataException(
                $"logprobs token \"{System.Text.Encoding.UTF8.GetString(text)}\" is not of the form \"token_id:N\" (return_tokens_as_token_ids not honoured?)");
        }
        return id;
    }

    public static RemoteFinishReason ReadFinishReason(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return RemoteFinishReason.None;
        if (reader.TokenType != JsonTokenType.String)
            throw new InvalidDataException($"finish reason is {reader.TokenType}, expected a string");
        if (reader.ValueTextEquals("stop"u8))
            return RemoteFinishReason.Stop;
        if (reader.ValueTextEquals("length"u8))
            return RemoteFinishReason.Length;
        if (reader.ValueTextEquals("abort"u8))
            return RemoteFinishReason.Abort;
        return RemoteFinishReason.Other;
    }

    /// <summary>An error value: an object with "message" (OpenAI/vLLM/SGLang), or a bare string.</summary>
    public static string ReadErrorValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString() ?? "(empty error)";
            case JsonTokenType.StartObject:
                string? message = null;
                string? type = null;
                while (VllmChunkParser.ReadProperty(ref reader))
                {
                    if (reader.ValueTextEquals("message"u8))
                    {
                        reader.Read();
                        message = reader.TokenType == JsonTokenType.String ? reader.GetString() : message;
                        reader.Skip();
                    }
                    else if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        type = reader.TokenType == JsonTokenType.String ? reader.GetString() : type;
                        reader.Skip();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                return (message ?? "(error without message)") + (type is null ? "" : $" ({type})");
            default:
                reader.Skip();
                return "(unreadable error value)";
        }
    }

    private static string DescribeToken(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.String => $"\"{reader.GetString()}\"",
        var other => other.ToString(),
    };
}
