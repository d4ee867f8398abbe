using System.Diagnostics;
using static TorchSharp.torch;

namespace Campfire.Inference.Model;

/// <summary>
/// Touches the pages of the weights that every step reads in full (the unembedding, the attention projections) on a
/// background thread while the first prompt runs. The CPU tensors are views of a private mapping of the checkpoint, so
/// each 4 KB page costs a fault on its first touch in a process, 1.4–2.2 µs on this project's VMs even with the file in
/// the page cache: ~135 ms for the 412 MB unembedding of a hidden-1024 checkpoint, which the first prefill's last
/// operation paid otherwise. Experts are left alone (only the experts a prompt picks should come into memory).
/// </summary>
/// <remarks>
/// One byte per page is read (<see cref="TouchPages"/>), checking every 64 pages whether to stop, so that
/// <see cref="Dispose"/> (which the model calls before the mapping is released) stops the thread promptly and waits for it. <c>madvise(MADV_POPULATE_READ)</c> was tried
/// instead: it returned in 12–30 ms for 432 MB, yet touching the pages afterwards still cost ~150 ms, so it is not used.
/// </remarks>
internal sealed class WeightPrefetcher : IDisposable
{
    private readonly (nint Start, long Length)[] _ranges;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _elapsedTicks = -1;

    /// <summary>Starts a thread that touches the CPU memory of <paramref name="tensors"/>, in the order given.</summary>
    public WeightPrefetcher(IEnumerable<Tensor> tensors)
    {
        _ranges = tensors.Where(t => t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous() && t.NumberOfElements > 0)
            .Select(Range).ToArray();
        Bytes = _ranges.Sum(r => r.Length);
        _thread = new Thread(Run) { IsBackground = true, Name = "campfire weight prefetch", Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    /// <summary>
    /// Whether a model prefetches its dense weights on load and compiles its CPU pass ahead
    /// (<see cref="CpuPassWarmup"/>); <c>CAMPFIRE_PREFETCH_WEIGHTS=0</c> turns both off, to compare.
    /// </summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("CAMPFIRE_PREFETCH_WEIGHTS") != "0";

    /// <summary>Bytes this prefetcher touches.</summary>
    public long Bytes { get; }

    /// <summary>How long the touching took, once it has finished (null before, or when it was stopped).</summary>
    public TimeSpan? Elapsed => Interlocked.Read(ref _elapsedTicks) is >= 0 and var ticks ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>Waits for the thread to finish.</summary>
    public void Wait() => _thread.Join();

    private static unsafe (nint, long) Range(Tensor t)
    {
        var bytes = t.bytes;
        fixed (byte* start = bytes) return ((nint)start, bytes.Length);
    }

    private unsafe void Run()
    {
        long started = Stopwatch.GetTimestamp();
        foreach (var (start, length) in _ranges)
        {
            if (!TouchPages((byte*)start, length, () => _stop)) return;
        }
        Interlocked.Exchange(ref _elapsedTicks, Stopwatch.GetElapsedTime(started).Ticks);
    }

    /// <summary>
    /// Reads one byte of every page of [start, start + length), so that the pages are mapped; asks <paramref name="stop"/>
    /// every 64 pages and returns false as soon as it says to.
    /// </summary>
    internal static unsafe bool TouchPages(byte* start, long length, Func<bool> stop)
    {
        int page = Environment.SystemPageSize;
        byte mix = 0;
        for (long offset = 0; offset < length; offset += page)
        {
            if (offset % (64L * page) == 0 && stop()) return false;
            mix ^= Volatile.Read(ref start[offset]);
        }
        GC.KeepAlive(mix);
        return true;
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
