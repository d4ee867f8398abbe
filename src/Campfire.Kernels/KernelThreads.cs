using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Campfire.Kernels;

/// <summary>
/// Runs the parts of one kernel call on several threads: the caller and up to <c>ProcessorCount − 1</c> worker threads
/// of this class. Between calls a worker spins for <see cref="SpinMicroseconds"/> before it sleeps, so the calls of one
/// forward pass (a few per layer, with single-threaded work between them) find it awake. On this project's VMs a
/// thread-pool thread woken after a millisecond asleep took 120 µs on average (up to 2.6 ms) to start a
/// <c>Parallel.For</c>'s second part, and in-situ two-thread projections ran 1.6–2× slower than back to back.
/// </summary>
/// <remarks>
/// One call uses the workers at a time; a call made while another has them (another thread's model, or a part that
/// calls a kernel itself) runs its parts on its own thread, in order. Parts are claimed one at a time, the caller
/// taking its share, so a worker that wakes late only means fewer parts for it; the call returns when every part has
/// finished, and rethrows the first exception a part threw. A call allocates nothing.
/// </remarks>
public static unsafe class KernelThreads
{
    /// <summary>How long an idle worker spins, waiting for the next call, before it sleeps.</summary>
    public const int SpinMicroseconds = 2_000;

    // The most workers started: enough for any core count this project runs on.
    private const int MaxWorkers = 63;

    private static int _busy;           // 1 while a call owns the workers
    private static long _generation;    // bumped when a call is published
    private static int _next;           // next part to claim (≥ _parts when none is left)
    private static int _parts;
    private static int _done;
    private static delegate*<void*, int, void> _run;
    private static void* _job;
    private static ExceptionDispatchInfo? _failure;
    private static int _sleepers;
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly Lock StartGate = new();
    private static int _started;

    /// <summary>Worker threads started so far.</summary>
    public static int Workers => Volatile.Read(ref _started);

    /// <summary>Starts workers (up to <paramref name="workers"/>, and at most <c>ProcessorCount − 1</c>) ahead of the first call.</summary>
    public static void Start(int workers)
    {
        int wanted = Math.Min(Math.Min(workers, Environment.ProcessorCount - 1), MaxWorkers);
        if (Volatile.Read(ref _started) >= wanted) return;
        lock (StartGate)
        {
            while (_started < wanted)
            {
                new Thread(Work) { IsBackground = true, Name = $"campfire kernel worker {_started + 1}" }.Start();
                Volatile.Write(ref _started, _started + 1);
            }
        }
    }

    /// <summary>
    /// Runs <c>job.Run(part)</c> for every part in [0, <paramref name="parts"/>), spread over the caller and the workers.
    /// The workers read <paramref name="job"/> through its address on this call's stack while the call runs.
    /// </summary>
    public static void Run<TJob>(TJob job, int parts) where TJob : struct, IKernelParts
    {
        if (parts <= 1 || Environment.ProcessorCount == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++) job.Run(part);
            return;
        }
        try
        {
            Start(parts - 1);
            _run = &RunPart<TJob>;
            _job = Unsafe.AsPointer(ref job);
            _parts = parts;
            _done = 0;
            // Claims open last: a worker that sees a part to claim sees the job it belongs to.
            Volatile.Write(ref _next, 0);
            Interlocked.Increment(ref _generation);
            int sleepers = Interlocked.Exchange(ref _sleepers, 0);
            if (sleepers > 0) Wake.Release(sleepers);

            RunParts();
            var spinner = new SpinWait();
            while (Volatile.Read(ref _done) < parts) spinner.SpinOnce(sleep1Threshold: -1);
            _failure?.Throw();
        }
        finally
        {
            Volatile.Write(ref _next, int.MaxValue);
            _job = null;
            _failure = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void RunPart<TJob>(void* job, int part) where TJob : struct, IKernelParts =>
        Unsafe.AsRef<TJob>(job).Run(part);

    // Claims and runs parts of the published call until none is left.
    private static void RunParts()
    {
        while (true)
        {
            int part = Interlocked.Increment(ref _next) - 1;
            if (part < 0 || part >= Volatile.Read(ref _parts)) return;
            try
            {
                _run(_job, part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private static void Work()
    {
        long seen = Volatile.Read(ref _generation);
        while (true)
        {
            long idleSince = Stopwatch.GetTimestamp();
            var spinner = new SpinWait();
            long generation;
            while ((generation = Volatile.Read(ref _generation)) == seen)
            {
                if (Stopwatch.GetElapsedTime(idleSince).TotalMicroseconds < SpinMicroseconds)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                // Counted before the last look: a call published after it releases this worker. One published between
                // the two is simply run without it (this worker sleeps until the next).
                Interlocked.Increment(ref _sleepers);
                if (Volatile.Read(ref _generation) == seen) Wake.Wait();
                idleSince = Stopwatch.GetTimestamp();
            }
            seen = generation;
            RunParts();
        }
    }
}
