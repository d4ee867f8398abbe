using System.Buffers;
using System.Text.Json;
using Campfire.Harmony.Engine;

namespace Campfire.Remote.Protocol;

/// <summary>
/// Writes the JSON bodies of the generation requests. The prompt always travels as token ids and special tokens are
/// kept, so no chat template or detokenize/retokenize round trip of the server touches the Harmony format.
/// </summary>
public static class RemoteRequestWriter
{
    /// <summary>
    /// vLLM <c>POST /v1/completions</c>: <c>prompt</c> as an id list, <c>stream</c>, <c>stop_token_ids</c>,
    /// <c>skip_special_tokens: false</c>, and either <c>return_token_ids</c> or the older
    /// <c>logprobs: 0</c> + <c>return_tokens_as_token_ids</c>.
    /// </summary>
    public static void WriteVllm(IBufferWriter<byte> destination, string? model, ReadOnlySpan<int> prompt,
        ReadOnlySpan<int> stopTokens, GenerationOptions options, bool useLogprobsForIds)
    {
        using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        if (model is not null)
            json.WriteString("model"u8, model);
        WriteIds(json, "prompt"u8, prompt);
        json.WriteNumber("max_tokens"u8, options.MaxTokens);
        json.WriteNumber("temperature"u8, options.Temperature);
        json.WriteNumber("top_p"u8, options.TopP);
        if (options.Seed is { } seed)
            json.WriteNumber("seed"u8, seed);
        json.WriteBoolean("stream"u8, true);
        json.WriteNumber("n"u8, 1);
        WriteIds(json, "stop_token_ids"u8, stopTokens);
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
    /// SGLang <c>POST /generate</c>: <c>input_ids</c>, <c>stream</c>, and <c>sampling_params</c> with
    /// <c>max_new_tokens</c>, <c>stop_token_ids</c>, <c>skip_special_tokens: false</c>, <c>no_stop_trim</c>
    /// (and <c>sampling_seed</c> when a seed is set).
    /// </summary>
    public static void WriteSglang(IBufferWriter<byte> destination, ReadOnlySpan<int> prompt,
        ReadOnlySpan<int> stopTokens, GenerationOptions options)
    {
        using var json = new Utf8JsonWriter(destination);
        json.WriteStartObject();
        WriteIds(json, "input_ids"u8, prompt);
        json.WriteBoolean("stream"u8, true);
        json.WriteStartObject("sampling_params"u8);
        json.WriteNumber("max_new_tokens"u8, options.MaxTokens);
        json.WriteNumber("temperature"u8, options.Temperature);
        json.WriteNumber("top_p"u8, options.TopP);
        if (options.Seed is { } seed)
            json.WriteNumber("sampling_seed"u8, seed);
        WriteIds(json, "stop_token_ids"u8, stopTokens);
        json.WriteBoolean("skip_special_tokens"u8, false);
        json.WriteBoolean("spaces_between_special_tokens"u8, false);
        json.WriteBoolean("no_stop_trim"u8, true);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<int> ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids)
            json.WriteNumberValue(id);
        json.WriteEndArray();
    }
}
