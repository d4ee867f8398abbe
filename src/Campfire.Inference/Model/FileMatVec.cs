using System.Runtime.InteropServices;
using Campfire.Kernels;

namespace Campfire.Inference.Model;

/// <summary>
/// One token's product with a bf16 matrix read from the checkpoint file (<see cref="CheckpointFileReader"/>) a chunk
/// of rows at a time into a buffer of the thread's, each chunk multiplied by <see cref="Bf16MatVec"/> while it is in
/// L2: the same bits as the kernel over the mapped matrix. Rows split over threads as the kernel splits them.
/// </summary>
/// <remarks>Not thread-safe: one per model. A one-thread call allocates nothing once its buffer has grown.</remarks>
internal sealed class FileMatVec(CheckpointFileReader reader)
{
    private byte[][] _buffers = [];

    /// <summary>Weight bytes per file read (see <see cref="FusedExperts.ChunkBytes"/>).</summary>
    internal int ChunkBytes { get; set; } = 512 << 10;

    public CheckpointFileReader Reader => reader;

    /// <summary><c>output[r] = Σ_k W[r, k] · input[k] (+ bias[r])</c>, W the bf16 matrix [output.Length, input.Length] at <paramref name="region"/>.</summary>
    public unsafe void Multiply(TensorFileRegion region, ReadOnlySpan<float> input, ReadOnlySpan<float> bias, Span<float> output, int threads)
    {
        int rows = output.Length, rowBytes = 2 * input.Length;
        if ((long)rows * rowBytes != region.Length)
            throw new InvalidOperationException($"{region.Path}: a {rows} × {input.Length} bf16 matrix is {(long)rows * rowBytes} bytes, the tensor {region.Length}");
        int chunkRows = Math.Clamp(ChunkBytes / rowBytes, 1, rows);
        int workers = (int)Math.Max(1, Math.Min(Math.Min(threads, rows), region.Length / Mxfp4MatVec.MinBytesPerThread));
        if (_buffers.Length < workers) Array.Resize(ref _buffers, workers);
        for (int w = 0; w < workers; w++)
            if (_buffers[w] is null || _buffers[w].Length < chunkRows * rowBytes) _buffers[w] = new byte[chunkRows * rowBytes];
        if (workers == 1)
        {
            Rows(region, 0, rows, chunkRows, _buffers[0], input, bias, output);
            return;
        }
        fixed (float* x = input)
        fixed (float* b = bias)
        fixed (float* o = output)
        {
            nint xp = (nint)x, bp = (nint)b, op = (nint)o;
            int columns = input.Length, biasLength = bias.Length, share = (rows + workers - 1) / workers;
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                int first = w * share, end = Math.Min(rows, first + share);
                if (first >= end) return;
                Rows(region, first, end, chunkRows, _buffers[w], new ReadOnlySpan<float>((float*)xp, columns),
                    new ReadOnlySpan<float>((float*)bp, biasLength), new Span<float>((float*)op, rows));
            });
        }
    }

    private void Rows(TensorFileRegion region, int first, int end, int chunkRows, byte[] buffer, ReadOnlySpan<float> input,
        ReadOnlySpan<float> bias, Span<float> output)
    {
        long rowBytes = 2L * input.Length;
        for (int r = first; r < end; r += chunkRows)
        {
            int n = Math.Min(chunkRows, end - r);
            var chunk = buffer.AsSpan(0, (int)(n * rowBytes));
            reader.Read(region, r * rowBytes, chunk);
            Bf16MatVec.Multiply(MemoryMarshal.Cast<byte, ushort>(chunk), input, bias.IsEmpty ? bias : bias.Slice(r, n), output.Slice(r, n));
        }
    }
}
