namespace Campfire.Decoding;

/// <summary>
/// One model behind the decode loop: prefill a prompt, then one token per step, each writing the next-token logits
/// into a host buffer of <see cref="VocabularySize"/> floats. Called from the loop's producer only, one call at a time.
/// </summary>
public interface IDecodeModel
{
    int VocabularySize { get; }

    /// <summary>Processes the whole prompt (reusing any cached prefix) and writes the logits after its last token.</summary>
    void Prefill(ReadOnlySpan<int> prompt, Span<float> logits);

    /// <summary>Appends one token and writes the logits that follow it.</summary>
    void Decode(int token, Span<float> logits);

    /// <summary>Prompt tokens the last prefill took from the model's KV cache instead of computing them (0 for a model
    /// without a cache, or when the cache could not be rewound to the shared prefix and the prompt was prefilled whole).</summary>
    int LastReusedTokens => 0;

    /// <summary>Sends the timings of the parts of each step to <paramref name="sink"/> (null: stop; the default model has
    /// no parts to report).</summary>
    void AttachSpans(IDecodeSpanSink? sink)
    {
    }
}
