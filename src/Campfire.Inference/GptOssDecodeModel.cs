using Campfire.Decoding;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using TorchSharp;

namespace Campfire.Inference;

/// <summary>
/// A loaded gpt-oss model with its KV cache behind the decode loop. A prompt that shares a prefix with what the cache
/// already holds (the usual case in a multi-turn Harmony conversation, where the next prompt re-renders the previous
/// completion, sometimes differently near its end) only prefills what follows the shared prefix; the cache is rewound
/// to it when the sliding layers' rings still hold what is needed, else it starts over. Greedy picks (masked ones too)
/// are made on the model's device: the logits never leave it.
/// </summary>
public sealed class GptOssDecodeModel : IMaskedGreedyDecodeModel, IDisposable
{
    private readonly KvCache _cache;
    private readonly List<int> _cached = new();
    private int _inUse;

    /// <summary>How far back a new prompt may diverge from the cached tokens and still reuse the cache.</summary>
    public const int RewindMargin = 256;

    public GptOssDecodeModel(GptOssModel model)
    {
        Model = model;
        _cache = model.CreateCache(RewindMargin);
        // Allocated (and so first touched) with the model, not inside the first prompt.
        if (model.UsesCpuDecodeStep) _hostLogits = new float[model.Config.VocabSize];
    }

    public GptOssModel Model { get; }
    public int VocabularySize => Model.Config.VocabSize;

    /// <summary>Tokens whose keys and values are in the cache.</summary>
    public IReadOnlyList<int> CachedTokens => _cached;

    /// <summary>Prompt tokens the last prefill took from the cache instead of recomputing.</summary>
    public int LastReusedTokens { get; private set; }

    public static GptOssDecodeModel Load(string folder, InferenceDevice device = InferenceDevice.Cpu, ActivationDType? dtype = null) =>
        new(GptOssModel.Load(folder, device, dtype));

    /// <summary>A ready decode loop over this model.</summary>
    public DecodeLoopGenerator CreateGenerator(DecodeLoopOptions? options = null) => new(this, options);

    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits)
    {
        Enter();
        try { Run(Rewind(prompt), logits); }
        finally { Exit(); }
    }

    public void Decode(int token, Span<float> logits)
    {
        Enter();
        try { Run([token], logits); }
        finally { Exit(); }
    }

    public int PrefillGreedy(ReadOnlySpan<int> prompt)
    {
        Enter();
        try { return RunGreedy(Rewind(prompt)); }
        finally { Exit(); }
    }

    public int DecodeGreedy(int token)
    {
        Enter();
        try { return RunGreedy([token]); }
        finally { Exit(); }
    }

    public int PrefillGreedy(ReadOnlySpan<int> prompt, ReadOnlySpan<ulong> mask)
    {
        Enter();
        try { return RunGreedy(Rewind(prompt), mask); }
        finally { Exit(); }
    }

    public int DecodeGreedy(int token, ReadOnlySpan<ulong> mask)
    {
        Enter();
        try { return RunGreedy([token], mask); }
        finally { Exit(); }
    }

    /// <summary>One KV cache: two generators over the same model must not step it at once.</summary>
    private void Enter()
    {
        if (Interlocked.Exchange(ref _inUse, 1) == 1) throw new GeneratorBusyException();
    }

    private void Exit() => Volatile.Write(ref _inUse, 0);

    /// <summary>Rewinds the cache to the longest prefix it shares with <paramref name="prompt"/>; returns what is left to run.</summary>
    private ReadOnlySpan<int> Rewind(ReadOnlySpan<int> prompt)
    {
        if (prompt.IsEmpty) throw new ArgumentException("the prompt is empty", nameof(prompt));
        var cached = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_cached);
        // Keep at least one prompt token to run, so there are logits to return.
        int reuse = Math.Min(prompt[..^1].CommonPrefixLength(cached), prompt.Length - 1);
        if (reuse < _cached.Count)
        {
            if (reuse > 0 && _cache.TruncateTo(reuse))
            {
                _cached.RemoveRange(reuse, _cached.Count - reuse);
            }
            else
            {
                _cache.Reset();
                _cached.Clear();
                reuse = 0;
            }
        }
        LastReusedTokens = reuse;
        return prompt[reuse..];
    }

    private void Run(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        using var result = Forward(tokens, UseLogitsBuffer ? logits : default);
        if (result is not null) TensorData.CopyTo(result, logits);
    }

    private int RunGreedy(ReadOnlySpan<int> tokens)
    {
        using var result = Forward(tokens, HostLogits, keepOnDevice: true);
        long start = Model.SpanStart();
        int id;
        if (result is null)
        {
            id = TokenSampler.ArgMax(HostLogits);
        }
        else if (result.device_type == TorchSharp.DeviceType.CPU)
        {
            // The host's SIMD argmax over the logits' own memory: a torch argmax op cost more than the scan itself.
            id = TokenSampler.ArgMax(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(result.bytes));
        }
        else
        {
            using var best = result.argmax(-1);
            id = (int)best.ToInt64();
        }
        Model.SpanEnd(DecodeSpan.Sampling, start);
        return id;
    }

    public void AttachSpans(IDecodeSpanSink? sink) => Model.Spans = sink;

    private int RunGreedy(ReadOnlySpan<int> tokens, ReadOnlySpan<ulong> mask)
    {
        _deviceMask ??= new DeviceTokenMask(VocabularySize, Model.Device);
        _deviceMask.CheckLength(mask);
        using var result = Forward(tokens, HostLogits, keepOnDevice: true);
        long start = Model.SpanStart();
        int id = result is null ? TokenSampler.MaskedArgMax(HostLogits[..VocabularySize], mask)
            : result.device_type == TorchSharp.DeviceType.CPU
                ? TokenSampler.MaskedArgMax(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(result.bytes)[..VocabularySize], mask)
                : _deviceMask.ArgMax(result, mask);
        Model.SpanEnd(DecodeSpan.Sampling, start);
        return id;
    }

    private DeviceTokenMask? _deviceMask;

    /// <summary>Whether CPU-pass logits go straight into the caller's span or one reused buffer (the default), not a tensor per step.</summary>
    internal bool UseLogitsBuffer { get; set; } = true;

    // The greedy paths' logits where the CPU pass runs: one buffer for every step (see CpuForwardPass.ForwardInto).
    // Empty elsewhere, so that the model returns a tensor.
    private Span<float> HostLogits =>
        UseLogitsBuffer && Model.UsesCpuDecodeStep ? _hostLogits ??= new float[Model.Config.VocabSize] : default;
    private float[]? _hostLogits;

    /// <summary>
    /// Runs <paramref name="tokens"/> on the cache: where the CPU pass runs and <paramref name="hostLogits"/> can hold
    /// them, the last token's logits are written there and null is returned; otherwise they come back as a tensor.
    /// </summary>
    private TorchSharp.torch.Tensor? Forward(ReadOnlySpan<int> tokens, Span<float> hostLogits, bool keepOnDevice = false)
    {
        if ((long)_cached.Count + tokens.Length > Model.Config.MaxContextLength)
            throw new SamplingException($"the context would exceed the model's {Model.Config.MaxContextLength} positions");
        TorchSharp.torch.Tensor? result;
        try
        {
            result = Model.TryForwardInto(tokens, _cache, hostLogits) ? null : Model.Forward(tokens, _cache, keepOnDevice: keepOnDevice);
        }
        catch
        {
            // A failed step leaves the cache in an unknown state: start over next time.
            _cache.Reset();
            _cached.Clear();
            throw;
        }
        foreach (int t in tokens) _cached.Add(t);
        return result;
    }

    public void Dispose()
    {
        _deviceMask?.Dispose();
        _cache.Dispose();
        Model.Dispose();
    }
}
