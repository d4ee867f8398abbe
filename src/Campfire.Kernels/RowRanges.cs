namespace Campfire.Kernels;

/// <summary>A kernel call's work over rows [first, end): its pointers are pinned by the caller, so any thread can run a range.</summary>
internal interface IRowRangeJob
{
    void Rows(int first, int end);
}

/// <summary>Splits a kernel call's rows over threads.</summary>
internal static class RowRanges
{
    /// <summary>
    /// Runs <paramref name="job"/> over <paramref name="rows"/> rows in <paramref name="workers"/> equal chunks on
    /// <see cref="KernelThreads"/>.
    /// </summary>
    public static void Split<TJob>(TJob job, int rows, int workers) where TJob : struct, IRowRangeJob =>
        KernelThreads.Run(new Chunks<TJob>(job, rows, (rows + workers - 1) / workers), workers);

    private readonly struct Chunks<TJob>(TJob job, int rows, int chunk) : IKernelParts where TJob : struct, IRowRangeJob
    {
        public void Run(int part)
        {
            int first = part * chunk, end = Math.Min(rows, first + chunk);
            if (first < end) job.Rows(first, end);
        }
    }
}
