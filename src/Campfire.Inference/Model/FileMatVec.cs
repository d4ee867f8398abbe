using System.Runtime.InteropServices;
using Campfire.Kernels;

namespace Campfire.Inference.Model;

/// <summary>
/// Products with a bf16 matrix read from the checkpoint file (<see cref="CheckpointFileReader"/>) a chunk of rows at a
/// time into a buffer of the thread's, each chunk multiplied by <see cref="Bf16MatVec"/> while it is in L2: the same
/// bits as the kernel over the mapped matrix. Rows split over threads as the kernel splits them.
/// </summary>
/// <remarks>Not thread-safe: one per model. A one-thread call allocates nothing once its buffers have grown.</remarks>
internal sealed class FileMatVec(CheckpointFileReader reader)
{
    private byte[][] _buffers = [];
    private float[][] _products = [];

    /// <summary>Weight bytes per file read (<see cref="CheckpointFileReader.ChunkBytes"/> unless a test sets it).</summary>
    internal int ChunkBytes { get; set; } = CheckpointFileReader.ChunkBytes;

    /// <summary><c>output[r] = Σ_k W[r, k] · input[k] (+ bias[r])</c>, W the bf16 matrix [output.Length, input.Length] at <paramref name="region"/>.</summary>
    public void Multiply(TensorFileRegion region, ReadOnlySpan<float> input, ReadOnlySpan<float> bias, Span<float> output, int threads) =>
        MultiplyMany(region, input, input.Length, bias, output, threads);

    /// <summary>
    /// The same for the <c>inputs.Length / columns</c> vectors of <paramref name="inputs"/> [count, columns] into
    /// <paramref name="outputs"/> [count, rows] (<see cref="Bf16MatVec.MultiplyMany"/>'s layout and bits): a prefill's
    /// tokens.
    /// </summary>
    public unsafe void MultiplyMany(TensorFileRegion region, ReadOnlySpan<float> inputs, int columns, ReadOnlySpan<float> bias, Span<float> outputs, int threads)
    {
        int count = inputs.Length / columns, rows = outputs.Length / count, rowBytes = 2 * columns;
        if ((long)rows * rowBytes != region.Length || (long)count * columns != inputs.Length || (long)count * rows != outputs.Length)
            throw new InvalidOperationException($"{region.Path}: {count} vectors × a {rows} × {columns} bf16 matrix ({(long)rows * rowBytes} bytes) do not fit the tensor's {region.Length} bytes");
        int chunkRows = Math.Clamp(ChunkBytes / rowBytes, 1, rows);
        int workers = (int)Math.Max(1, Math.Min(Math.Min(threads, rows), region.Length * ((count + 5) / 6) / Mxfp4MatVec.MinBytesPerThread));
        if (_buffers.Length < workers)
        {
            Array.Resize(ref _buffers, workers);
            Array.Resize(ref _products, workers);
        }
        for (int w = 0; w < workers; w++)
        {
            if (_buffers[w] is null || _buffers[w].Length < chunkRows * rowBytes) _buffers[w] = new byte[chunkRows * rowBytes];
            if (count > 1 && (_products[w] is null || _products[w].Length < count * chunkRows)) _products[w] = new float[count * chunkRows];
        }
        if (workers == 1)
        {
            Rows(region, 0, rows, chunkRows, 0, inputs, columns, bias, outputs);
            return;
        }
        fixed (float* x = inputs)
        fixed (float* b = bias)
        fixed (float* o = outputs)
        {
            KernelThreads.Run(new RowParts(this, region, x, inputs.Length, columns, b, bias.Length, o, outputs.Length, rows,
                (rows + workers - 1) / workers, chunkRows), workers);
        }
    }

    // Part w: its share of the rows, with worker w's buffers (the spans' memory is pinned by the caller for the call).
    private readonly unsafe struct RowParts(FileMatVec owner, TensorFileRegion region, float* inputs, int inputLength, int columns,
        float* bias, int biasLength, float* outputs, int outputLength, int rows, int share, int chunkRows) : IKernelParts
    {
        public void Run(int part)
        {
            int first = part * share, end = Math.Min(rows, first + share);
            if (first >= end) return;
            owner.Rows(region, first, end, chunkRows, part, new ReadOnlySpan<float>(inputs, inputLength), columns,
                new ReadOnlySpan<float>(bias, biasLength), new Span<float>(outputs, outputLength));
        }
    }

    // Rows [first, end) a chunk at a time with worker w's buffers; several vectors' chunk products go through the
    // worker's scratch into their rows of outputs.
    private void Rows(TensorFileRegion region, int first, int end, int chunkRows, int w, ReadOnlySpan<float> inputs, int columns,
        ReadOnlySpan<float> bias, Span<float> outputs)
    {
        long rowBytes = 2L * columns;
        int count = inputs.Length / columns, rows = outputs.Length / count;
        for (int r = first; r < end; r += chunkRows)
        {
            int n = Math.Min(chunkRows, end - r);
            var chunk = _buffers[w].AsSpan(0, (int)(n * rowBytes));
            reader.Read(region, r * rowBytes, chunk);
            var weights = MemoryMarshal.Cast<byte, ushort>(chunk);
            var chunkBias = bias.IsEmpty ? bias : bias.Slice(r, n);
            if (count == 1)
            {
                Bf16MatVec.Multiply(weights, inputs, chunkBias, outputs.Slice(r, n));
                continue;
            }
            var products = _products[w].AsSpan(0, count * n);
            Bf16MatVec.MultiplyMany(weights, inputs, columns, chunkBias, products);
            for (int j = 0; j < count; j++) products.Slice(j * n, n).CopyTo(outputs.Slice(j * rows + r, n));
        }
    }
}
