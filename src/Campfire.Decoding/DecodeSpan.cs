namespace Campfire.Decoding;

/// <summary>The parts of a model step that <c>--profile</c> and <c>--trace</c> break a step into.</summary>
public enum DecodeSpan
{
    /// <summary>Attention of every layer (norm, QKV, RoPE, scores, output projection).</summary>
    Attention,
    /// <summary>Mixture of experts of every layer (norm, router and expert matmuls).</summary>
    MixtureOfExperts,
    /// <summary>The router inside the MoE: gate logits, top-k, softmax.</summary>
    Router,
    /// <summary>The selected experts' matmuls inside the MoE.</summary>
    Experts,
    /// <summary>Final norm, unembedding matmul and logits to the host.</summary>
    Unembedding,
    /// <summary>Choosing the next token from the logits (greedy argmax or the seeded sampler).</summary>
    Sampling,
}
