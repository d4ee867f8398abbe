using System.Runtime.InteropServices;

namespace Campfire.Inference.Runtime;

/// <summary>
/// Asks libtorch's OpenMP runtime (libgomp) to put idle threads to sleep instead of spinning, unless the user chose
/// otherwise: <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment before libtorch loads (libgomp reads it once, as
/// it loads; .NET's Environment.SetEnvironmentVariable does not reach the native environment, hence setenv).
/// </summary>
/// <remarks>
/// The fused kernels split rows over .NET thread-pool threads between libtorch's parallel regions. With libgomp's
/// default spin-wait, its idle threads kept the cores busy between regions, and the kernels' threads waited for a core:
/// on this 2-core machine a bfloat16 decode step of the small checkpoint at <c>--threads 2</c> took ~1,000 ms against
/// ~170 ms with the passive policy (attention 785 vs 79 ms), same run, load average ~12.
/// </remarks>
internal static partial class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    public static void PreferPassiveBeforeLibTorchLoads()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is { Length: > 0 }) return;
        SetEnv(Variable, "PASSIVE", 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
