using System.Runtime.InteropServices;
using System.Text.Json;
using Campfire.Decoding;
using Campfire.Inference.Safetensors;
using Microsoft.Win32.SafeHandles;

namespace Campfire.Inference.Model;

/// <summary>
/// Writes a random gpt-oss checkpoint from a seed: the tiny test model (<see cref="GptOssConfig.Tiny"/>) or one with
/// gpt-oss-20b's exact shapes. Data is streamed to disk from the plan in chunks, never held whole: a 20b-shaped
/// checkpoint is ~13.8 GB. The same seed gives the same model in both layouts.
/// </summary>
public static class TinyModelWriter
{
    /// <summary>Bytes generated per work item (and per buffer) when chunks are seeded separately.</summary>
    public const int ChunkBytes = 4 << 20;

    public static GptOssConfig Write(string folder, CheckpointLayout layout, int vocabSize = 201088, ulong seed = 0) =>
        Write(folder, CheckpointPlan.Create(CheckpointPreset.Tiny, layout, vocabSize), seed);

    public static GptOssConfig Write(string folder, CheckpointPlan plan, ulong seed = 0, int? threads = null)
    {
        Directory.CreateDirectory(folder);
        var options = new JsonSerializerOptions { WriteIndented = true };
        var config = plan.Layout == CheckpointLayout.Original ? plan.Config.ToOriginalJson() : plan.Config.ToHuggingFaceJson();
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(options));

        var handles = new List<SafeFileHandle>();
        try
        {
            foreach (var shard in plan.Shards)
            {
                var handle = File.OpenHandle(Path.Combine(folder, shard.FileName), FileMode.Create, FileAccess.Write);
                handles.Add(handle);
                RandomAccess.Write(handle, shard.Header, 0);
            }
            if (plan.SingleStream) WriteSingleStream(plan, handles, seed);
            else WriteChunks(plan, handles, seed, threads ?? Environment.ProcessorCount);
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
        }

        if (plan.Layout == CheckpointLayout.HuggingFace)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var shard in plan.Shards)
            {
                foreach (var t in shard.Tensors) map[t.Name] = shard.FileName;
            }
            SafetensorsWriter.WriteIndex(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), map, plan.Shards.Sum(s => s.DataBytes));
        }
        return plan.Config;
    }

    /// <summary>One generator through every tensor in plan order, exactly as tiny checkpoints have always been drawn.</summary>
    private static void WriteSingleStream(CheckpointPlan plan, List<SafeFileHandle> handles, ulong seed)
    {
        var random = new SplitMix64(seed);
        var buffer = new byte[1 << 20];
        for (int s = 0; s < plan.Shards.Count; s++)
        {
            foreach (var tensor in plan.Shards[s].Tensors)
            {
                long written = 0;
                while (written < tensor.ByteLength)
                {
                    int count = (int)Math.Min(buffer.Length, tensor.ByteLength - written);
                    var span = buffer.AsSpan(0, count);
                    switch (tensor.Fill.Kind)
                    {
                        case TensorFillKind.Uniform:
                            var values = MemoryMarshal.Cast<byte, ushort>(span);
                            for (int i = 0; i < values.Length; i++)
                                values[i] = Bf16.FromFloat(tensor.Fill.Offset + tensor.Fill.Amplitude * random.NextSigned());
                            break;
                        case TensorFillKind.Fp4Blocks:
                            for (int i = 0; i < span.Length; i++) span[i] = (byte)random.Next(256);
                            break;
                        case TensorFillKind.Fp4Scales:
                            for (int i = 0; i < span.Length; i++) span[i] = (byte)(tensor.Fill.ScaleBase + random.Next(TensorFill.ScaleSpread));
                            break;
                    }
                    RandomAccess.Write(handles[s], span, tensor.FileOffset + written);
                    written += count;
                }
            }
        }
    }

    /// <summary>Every <see cref="ChunkBytes"/> of every tensor drawn from its own seed, by several threads at once.</summary>
    private static void WriteChunks(CheckpointPlan plan, List<SafeFileHandle> handles, ulong seed, int threads)
    {
        var work = new List<(int Shard, int Tensor, PlannedTensor Planned, long Start, int Count)>();
        int index = 0;
        for (int s = 0; s < plan.Shards.Count; s++)
        {
            foreach (var t in plan.Shards[s].Tensors)
            {
                for (long start = 0; start < t.ByteLength; start += ChunkBytes)
                    work.Add((s, index, t, start, (int)Math.Min(ChunkBytes, t.ByteLength - start)));
                index++;
            }
            // Sized up front, so chunks can land in any order and a full disk fails before the generation.
            RandomAccess.SetLength(handles[s], plan.Shards[s].FileBytes);
        }
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => new byte[ChunkBytes],
            (i, _, buffer) =>
            {
                var (s, tensorIndex, t, start, count) = work[i];
                var span = buffer.AsSpan(0, count);
                FillChunk(span, t.Fill, ChunkSeed(seed, tensorIndex, start / ChunkBytes));
                RandomAccess.Write(handles[s], span, t.FileOffset + start);
                return buffer;
            },
            _ => { });
    }

    internal static ulong ChunkSeed(ulong seed, int tensor, long chunk)
    {
        var mix = new SplitMix64(seed ^ ((ulong)tensor << 40) ^ (ulong)chunk);
        return mix.NextUInt64();
    }

    /// <summary>Fills one chunk from a 64-bit generator, using every bit of each draw (the tiny stream spends a draw per byte).</summary>
    internal static void FillChunk(Span<byte> chunk, TensorFill fill, ulong chunkSeed)
    {
        var random = new SplitMix64(chunkSeed);
        var words = MemoryMarshal.Cast<byte, ulong>(chunk);
        switch (fill.Kind)
        {
            case TensorFillKind.Uniform:
                {
                    // Two bf16 values per draw, 24 random bits each, as NextSigned draws them.
                    float scale = fill.Amplitude * (2f / (1 << 24));
                    float low = fill.Offset - fill.Amplitude;
                    var values = MemoryMarshal.Cast<byte, ushort>(chunk);
                    int i = 0;
                    for (; i + 1 < values.Length; i += 2)
                    {
                        ulong r = random.NextUInt64();
                        values[i] = Bf16.FromFloat(low + ((uint)r >> 8) * scale);
                        values[i + 1] = Bf16.FromFloat(low + (uint)(r >> 40) * scale);
                    }
                    if (i < values.Length) values[i] = Bf16.FromFloat(low + (uint)(random.NextUInt64() >> 40) * scale);
                    break;
                }
            case TensorFillKind.Fp4Blocks:
                {
                    for (int i = 0; i < words.Length; i++) words[i] = random.NextUInt64();
                    for (int i = words.Length * 8; i < chunk.Length; i++) chunk[i] = (byte)random.NextUInt64();
                    break;
                }
            case TensorFillKind.Fp4Scales:
                {
                    for (int i = 0; i < chunk.Length; i += 8)
                    {
                        ulong r = random.NextUInt64();
                        for (int b = 0; b < 8 && i + b < chunk.Length; b++)
                        {
                            // (byte × spread) >> 8 maps a random byte onto 0 .. spread − 1 almost evenly.
                            chunk[i + b] = (byte)(fill.ScaleBase + (int)(((r >> (8 * b)) & 0xFF) * TensorFill.ScaleSpread >> 8));
                        }
                    }
                    break;
                }
        }
    }
}
