using Campfire.Kernels;

namespace Campfire.Kernels.Tests;

public sealed class KernelThreadsTests
{
    // Each part adds its number to its own slot, and notes the thread that ran it.
    private readonly unsafe struct CountingParts(int* runs, int* threads, int delaySpins) : IKernelParts
    {
        public void Run(int part)
        {
            Interlocked.Increment(ref runs[part]);
            threads[part] = Environment.CurrentManagedThreadId;
            if (delaySpins > 0) Thread.SpinWait(delaySpins);
        }
    }

    private readonly struct ThrowingParts(int failing) : IKernelParts
    {
        public void Run(int part)
        {
            if (part == failing) throw new Mxfp4KernelException($"part {part} failed");
        }
    }

    private readonly unsafe struct NestedParts(int* inner) : IKernelParts
    {
        public void Run(int part) => KernelThreads.Run(new CountingParts(inner + 4 * part, inner + 64 + 4 * part, 0), 4);
    }

    [Fact]
    public unsafe void Every_part_runs_exactly_once_and_several_threads_share_them()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: every call runs on the caller, which the next tests cover
        var runs = new int[32];
        var threads = new int[32];
        var seen = new HashSet<int>();
        fixed (int* r = runs)
        fixed (int* t = threads)
        {
            // Other tests' kernels may hold the workers for a while (a call then runs on its caller): many calls.
            for (int call = 0; call < 500 && seen.Count < 2; call++)
            {
                Array.Clear(runs);
                KernelThreads.Run(new CountingParts(r, t, 2_000), 32);
                Assert.All(runs, count => Assert.Equal(1, count));
                foreach (int id in threads) seen.Add(id);
            }
        }
        Assert.True(seen.Count >= 2, "the workers never took a part");
    }

    [Fact]
    public unsafe void Calls_after_the_workers_went_to_sleep_still_run_every_part()
    {
        var runs = new int[8];
        var threads = new int[8];
        fixed (int* r = runs)
        fixed (int* t = threads)
        {
            for (int call = 0; call < 3; call++)
            {
                Thread.Sleep(KernelThreads.SpinMicroseconds / 1000 * 3);
                Array.Clear(runs);
                KernelThreads.Run(new CountingParts(r, t, 1_000), 8);
                Assert.All(runs, count => Assert.Equal(1, count));
            }
        }
    }

    [Fact]
    public async Task Concurrent_callers_each_get_all_their_parts_run()
    {
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => CallsWithAPartMissedOrRepeated(parts: 16, calls: 300))).ToArray();
        var all = Task.WhenAll(callers);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(2))));
        Assert.All(await all, wrong => Assert.Equal(0, wrong));
    }

    private static unsafe int CallsWithAPartMissedOrRepeated(int parts, int calls)
    {
        var runs = new int[parts];
        var threads = new int[parts];
        int wrong = 0;
        fixed (int* r = runs)
        fixed (int* t = threads)
        {
            for (int call = 0; call < calls; call++)
            {
                Array.Clear(runs);
                KernelThreads.Run(new CountingParts(r, t, 200), parts);
                if (runs.Any(count => count != 1)) wrong++;
            }
        }
        return wrong;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    public void A_failing_part_rethrows_its_exception_on_the_caller_after_the_others_finish(int failing)
    {
        var e = Assert.Throws<Mxfp4KernelException>(() => KernelThreads.Run(new ThrowingParts(failing), 12));
        Assert.Equal($"part {failing} failed", e.Message);
        // The workers are free again: the next call runs normally.
        KernelThreads.Run(new ThrowingParts(-1), 12);
    }

    [Fact]
    public unsafe void A_part_that_calls_a_kernel_itself_gets_every_inner_part_run()
    {
        // Inside a call that holds the workers the inner call runs on its part's thread; when another test's kernels
        // hold them, the outer call runs on this thread and an inner one may get them: either way, every part once.
        var inner = new int[128];
        fixed (int* p = inner)
        {
            for (int call = 0; call < 50; call++)
            {
                Array.Clear(inner);
                KernelThreads.Run(new NestedParts(p), 4);
                for (int i = 0; i < 16; i++) Assert.Equal(1, inner[i]);
            }
        }
    }

    [Fact]
    public unsafe void A_call_allocates_nothing_on_the_calling_thread()
    {
        var runs = new int[8];
        var threads = new int[8];
        fixed (int* r = runs)
        fixed (int* t = threads)
        {
            KernelThreads.Run(new CountingParts(r, t, 100), 8);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int call = 0; call < 100; call++) KernelThreads.Run(new CountingParts(r, t, 100), 8);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
