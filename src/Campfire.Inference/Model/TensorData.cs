using TorchSharp;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>Moves raw bytes between host memory and CPU tensors (loads weights, reads logits).</summary>
internal static class TensorData
{
    private const long ChunkBytes = 1L << 30;

    /// <summary>Fills a contiguous CPU tensor from unmanaged bytes, in row chunks below the 2 GB span limit.</summary>
    public static unsafe void Fill(Tensor t, byte* source, long byteLength, long chunkBytes = ChunkBytes)
    {
        if (t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new InvalidOperationException("raw writes need a contiguous CPU tensor");
        if (byteLength <= chunkBytes || t.dim() == 0)
        {
            t.bytes = new Span<byte>(source, checked((int)byteLength));
            return;
        }
        long rows = t.shape[0];
        long rowBytes = byteLength / rows;
        long rowsPerChunk = Math.Max(1, chunkBytes / rowBytes);
        for (long r = 0; r < rows; r += rowsPerChunk)
        {
            long count = Math.Min(rowsPerChunk, rows - r);
            using var slice = t.narrow(0, r, count);
            slice.bytes = new Span<byte>(source + r * rowBytes, checked((int)(count * rowBytes)));
        }
    }

    /// <summary>A tensor's values as a new fp32 array (small weights the CPU kernels keep: biases, norms, sinks, the router).</summary>
    public static float[] ToFloatArray(Tensor t)
    {
        // Contiguous CPU weights (all of a loaded checkpoint's) are read as stored: a libtorch conversion's first call
        // cost milliseconds of the first prompt, for values this small.
        if (t.device_type == DeviceType.CPU && t.is_contiguous() && t.dtype is ScalarType.BFloat16 or ScalarType.Float32)
        {
            var values = new float[t.NumberOfElements];
            if (t.dtype == ScalarType.BFloat16) Bf16.Widen(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(t.bytes), values);
            else System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.bytes).CopyTo(values);
            return values;
        }
        using var wide = t.to(ScalarType.Float32).contiguous();
        return wide.data<float>().ToArray();
    }

    public static void CopyTo(Tensor t, Span<float> destination)
    {
        if (t.dtype != ScalarType.Float32) throw new InvalidOperationException("expected a float32 tensor");
        long n = t.numel();
        if (n > destination.Length) throw new ArgumentException("destination too small", nameof(destination));
        t.data<float>().CopyTo(destination[..(int)n]);
    }
}
