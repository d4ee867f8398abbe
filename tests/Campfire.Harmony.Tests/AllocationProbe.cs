namespace Campfire.Harmony.Tests;

/// <summary>Measures what a warm piece of code allocates on the calling thread (deterministic, not timed).</summary>
internal static class AllocationProbe
{
    /// <summary>
    /// Warms <paramref name="action"/> past tiered compilation (methods are rejitted after 30 calls and loops may be
    /// replaced on stack, so at least 60 calls and 300 ms), then returns the least that <paramref name="calls"/> calls
    /// allocated over three windows. Anything allocated on every call shows in each window, while a one-off runtime
    /// event (the JIT, ArrayPool trimming its cached arrays after a gen-2 GC caused by parallel tests) cannot spoil all three.
    /// </summary>
    public static long LeastAllocated(Action action, int calls)
    {
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 60 || warm.ElapsedMilliseconds < 300; i++)
            action();
        long least = long.MaxValue;
        for (int window = 0; window < 3 && least != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
                action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
