using Microsoft.Win32.SafeHandles;

namespace Campfire.Inference.Model;

/// <summary>
/// Reads weights from the checkpoint files with positioned reads (<see cref="RandomAccess.Read(SafeFileHandle,
/// Span{byte}, long)"/>, pread on Linux) into a small buffer the kernel then reads from cache, instead of through the
/// file's mapping. On this project's VMs a first touch of a mapped page costs 1–2.5 µs, and even warm, gpt-oss-20b's
/// 12 GB of experts read through 4 KB mappings at 3–4.5 GB/s (the page walks miss the caches) and its 2.4 GB of dense
/// weights at 3–55 GB/s from one pass to the next, where the kernel's copy out of the page cache runs at 15 GB/s a
/// thread, steadily (measured in C with a decode step's reads, 2026-12-03). Nothing is kept: the weights stay in the
/// page cache, which the system may reclaim, and out of the process's memory.
/// </summary>
/// <remarks>Thread-safe: each read is one positioned system call on a handle opened at construction.</remarks>
internal sealed class CheckpointFileReader : IDisposable
{
    private readonly Dictionary<string, SafeFileHandle> _files = new(StringComparer.Ordinal);

    /// <summary>
    /// Weight bytes per read: a chunk of rows that stays in L2 while a kernel runs over it (gpt-oss-20b's bf16 step at two
    /// threads: 3.8–3.9 tokens/s with 128 KB, 4.6–4.7 with 512 KB, 4.5–4.7 with 1 MB).
    /// </summary>
    public const int ChunkBytes = 512 << 10;

    /// <summary>Opens every file that <paramref name="regions"/> name, once each.</summary>
    public CheckpointFileReader(IEnumerable<TensorFileRegion> regions)
    {
        try
        {
            foreach (var region in regions)
            {
                if (_files.ContainsKey(region.Path)) continue;
                _files[region.Path] = File.OpenHandle(region.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new ModelCheckpointException($"cannot open a checkpoint file to read its weights: {e.Message}");
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the bytes of <paramref name="region"/> from <paramref name="offset"/>.
    /// </summary>
    /// <exception cref="ModelCheckpointException">The file ends early or cannot be read (it changed after loading).</exception>
    public void Read(TensorFileRegion region, long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > region.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes {offset}..{offset + destination.Length} are outside the tensor's {region.Length}");
        var file = _files[region.Path];
        long position = region.Offset + offset;
        try
        {
            while (!destination.IsEmpty)
            {
                int read = RandomAccess.Read(file, destination, position);
                if (read == 0) ThrowEnded(region, position);
                destination = destination[read..];
                position += read;
            }
        }
        catch (IOException e)
        {
            throw new ModelCheckpointException($"{region.Path}: reading weights at byte {position} failed: {e.Message}");
        }
    }

    private static void ThrowEnded(TensorFileRegion region, long position) =>
        throw new ModelCheckpointException($"{region.Path}: the file ends at byte {position}, inside a tensor (bytes {region.Offset}..{region.Offset + region.Length}); was it changed after the model was loaded?");

    public void Dispose()
    {
        foreach (var file in _files.Values) file.Dispose();
        _files.Clear();
    }
}
