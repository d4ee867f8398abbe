using System.Buffers.Text;
using System.Text.Json;

namespace Campfire.Remote.Protocol;

/// <summary>
/// The forward-only <see cref="Utf8JsonReader"/> steps every backend's event parser is made of. They throw
/// <see cref="InvalidDataException"/> for a shape the protocol does not allow, so a malformed event reaches the caller
/// as a <see cref="RemoteProtocolException"/> quoting the event rather than as a stray exception.
/// </summary>
internal static class JsonChunkReading
{
    private static ReadOnlySpan<byte> TokenIdPrefix => "token_id:"u8;

    /// <summary>Moves to the next member of the current object; false at its end.</summary>
    public static bool ReadProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new InvalidDataException("JSON object ends early");
        if (reader.TokenType == JsonTokenType.EndObject)
            return false;
        Expect(ref reader, JsonTokenType.PropertyName, "object member");
        return true;
    }

    public static void ReadStartObject(ref Utf8JsonReader reader, string what)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{what} is not a JSON object");
    }

    public static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string what)
    {
        if (reader.TokenType != expected)
            throw new InvalidDataException($"'{what}' is {reader.TokenType}, expected {expected}");
    }

    /// <summary>Appends the ids of an id array (the reader is on its start) to <paramref name="ids"/>.</summary>
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

    /// <summary>A finish reason string (or null) in the OpenAI vocabulary that both servers share.</summary>
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
                while (ReadProperty(ref reader))
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
