using System.Runtime.InteropServices;
using Campfire.Decoding;
using Campfire.Harmony.Constraints;
using TorchSharp;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// Applies a host token bitmask (the <see cref="TokenMask"/> layout) to logits on the model's device: the mask's words
/// go over as one int64 tensor per step (3,142 words, 25 KB, for the real vocabulary: an eighth of a bool per id), the
/// device unpacks them into one bit per id with a shift against 0..63, fills the disallowed logits with −∞ and takes
/// the argmax there, so one id comes back. torch's argmax returns the first maximum, as the host's masked argmax does.
/// </summary>
internal sealed class DeviceTokenMask : IDisposable
{
    private readonly int _vocabulary;
    private readonly int _words;
    private readonly Device _device;
    private readonly Tensor _staging;   // int64 [words] on the CPU, refilled from the host's span every step
    private readonly Tensor _shifts;    // int64 [1, 64] on the device: 0..63
    private readonly Tensor _one;       // int64 scalar on the device

    public DeviceTokenMask(int vocabulary, Device device)
    {
        _vocabulary = vocabulary;
        _words = TokenMask.WordCount(vocabulary);
        _device = device;
        _staging = zeros([_words], ScalarType.Int64);
        _shifts = arange(0L, 64L, 1L, ScalarType.Int64, device).reshape(1, 64);
        _one = tensor(1L, ScalarType.Int64, device);
    }

    public void CheckLength(ReadOnlySpan<ulong> mask)
    {
        if (mask.Length < _words)
            throw new ArgumentException($"the mask has {mask.Length} words; {_vocabulary} ids need {_words}", nameof(mask));
        TokenSampler.EnsureAnyAllowed(mask, _vocabulary);
    }

    /// <summary>The first maximum of <paramref name="logits"/> ([1, vocabulary] on the device) among the allowed ids.</summary>
    public int ArgMax(Tensor logits, ReadOnlySpan<ulong> mask)
    {
        using var scope = NewDisposeScope();
        // The setter only reads the span it is given; it is typed Span<byte>.
        var bytes = MemoryMarshal.AsBytes(mask[.._words]);
        _staging.bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
        var words = _device.type == DeviceType.CPU ? _staging.alias() : _staging.to(_device);
        // [words, 64]: bit j of word w is id 64·w + j. An arithmetic shift of a negative word still leaves bit j lowest.
        var bits = words.unsqueeze(1).bitwise_right_shift(_shifts).bitwise_and(_one);
        var disallowed = bits.reshape(-1).narrow(0, 0, _vocabulary).eq(0L);
        var best = logits.masked_fill(disallowed, float.NegativeInfinity).argmax(-1);
        return (int)best.ToInt64();
    }

    public void Dispose()
    {
        _staging.Dispose();
        _shifts.Dispose();
        _one.Dispose();
    }
}
