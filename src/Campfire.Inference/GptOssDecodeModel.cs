using Campfire.Inference.Loop;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using TorchSharp;

namespace Campfire.Inference;

/// <summary>
/// A loaded gpt-oss model with its KV cache behind the decode loop. A prompt that extends what the cache already holds
/// (the usual case in a multi-turn Harmony conversation) only prefills the new tokens; any other prompt starts over.
/// </summary>
public sealed class GptOssDecodeModel : IDecodeModel, IDisposable
{
    private readonly KvCache _cache;
    private readonly List<int> _cached = new();

    public GptOssDecodeModel(GptOssModel model)
    {
        Model = model;
        _cache = model.CreateCache();
    }

    public GptOssModel Model { get; }
    public int VocabularySize => Model.Config.VocabSize;

    /// <summary>Tokens whose keys and values are in the cache.</summary>
    public IReadOnlyList<int> CachedTokens => _cached;

    public static GptOssDecodeModel Load(string folder, InferenceDevice device = InferenceDevice.Cpu, ActivationDType? dtype = null) =>
        new(GptOssModel.Load(folder, device, dtype));

    /// <summary>A ready decode loop over this model.</summary>
    public DecodeLoopGenerator CreateGenerator(DecodeLoopOptions? options = null) => new(this, options);

    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits)
    {
        int reuse = _cached.Count;
        if (reuse == 0 || reuse >= prompt.Length || !prompt[..reuse].SequenceEqual(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_cached)))
        {
            _cache.Reset();
            _cached.Clear();
            reuse = 0;
        }
        var suffix = prompt[reuse..];
        Run(suffix, logits);
    }

    public void Decode(int token, Span<float> logits) => Run([token], logits);

    private void Run(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if ((long)_cached.Count + tokens.Length > Model.Config.MaxContextLength)
            throw new SamplingException($"the context would exceed the model's {Model.Config.MaxContextLength} positions");
        try
        {
            using var result = Model.Forward(tokens, _cache);
            TensorData.CopyTo(result, logits);
        }
        catch
        {
            // A failed step leaves the cache in an unknown state: start over next time.
            _cache.Reset();
            _cached.Clear();
            throw;
        }
        foreach (int t in tokens) _cached.Add(t);
    }

    public void Dispose()
    {
        _cache.Dispose();
        Model.Dispose();
    }
}
