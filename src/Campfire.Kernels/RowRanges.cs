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
    /// Runs <paramref name="job"/> over <paramref name="rows"/> rows in <paramref name="workers"/> equal chunks on the
    /// thread pool. A method of its own so that a one-thread call, which runs <c>job.Rows(0, rows)</c> directly, does not
    /// allocate the lambda's closure.
    /// </summary>
    public static void Split<TJob>(TJob job, int rows, int workers) where TJob : struct, IRowRangeJob
    {
        int chunk = (rows + workers - 1) / workers;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers },
            w => job.Rows(w * chunk, Math.Min(rows, (w + 1) * chunk)));
    }
}
