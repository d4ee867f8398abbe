namespace Campfire.Kernels;

/// <summary>
/// A kernel call cut into parts that may run on different threads (<see cref="KernelThreads.Run{TJob}(TJob, int)"/>):
/// its pointers are pinned by the caller, and parts write disjoint outputs.
/// </summary>
public interface IKernelParts
{
    /// <summary>Runs part <paramref name="part"/> of the call.</summary>
    void Run(int part);
}
