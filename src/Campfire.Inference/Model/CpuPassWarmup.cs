using System.Reflection;
using System.Runtime.CompilerServices;
using Campfire.Kernels;

namespace Campfire.Inference.Model;

/// <summary>
/// Compiles the CPU forward pass's methods (<see cref="CpuForwardPass"/>, its kernels and the sampler) on a background
/// thread, once per process, started before the checkpoint is even opened. The first prefill otherwise compiled them on
/// its own thread (30–70 ms of a tiny model's first prefill here, longer than the prefill itself), while loading the
/// model leaves the other core idle.
/// </summary>
internal static class CpuPassWarmup
{
    private static readonly Lock Gate = new();
    private static Thread? _thread;
    private static int _compiled;

    /// <summary>The types whose methods are compiled ahead: everything a CPU prefill and a CPU step call.</summary>
    internal static Type[] Types =>
        [typeof(GptOssModel), typeof(GptOssDecodeModel), typeof(CpuForwardPass), typeof(KernelAttention), typeof(TensorData), typeof(FusedExperts), typeof(KvCache), typeof(Bf16), typeof(YarnRope),
         typeof(SingleQueryAttention), typeof(Bf16MatVec), typeof(Mxfp4MatVec), typeof(FileMatVec), typeof(CheckpointFileReader), typeof(Campfire.Decoding.TokenSampler)];

    /// <summary>Starts the thread unless it has started already (or the background work is off, <see cref="WeightPrefetcher.Enabled"/>).</summary>
    public static void Start()
    {
        if (!WeightPrefetcher.Enabled) return;
        lock (Gate)
        {
            if (_thread is not null) return;
            _thread = new Thread(() =>
            {
                Volatile.Write(ref _compiled, Compile(Types));
                // The greedy pick's generic span helpers (IndexOf over floats) compile on their first call, not ahead.
                Campfire.Decoding.TokenSampler.ArgMax(new float[256]);
                Campfire.Decoding.TokenSampler.MaskedArgMax(new float[256], new ulong[4] { ~0UL, ~0UL, ~0UL, ~0UL });
                // The kernels split large products with Parallel.For: its code and a pool thread, ready before the first
                // call (~7 ms of the first split unembedding otherwise).
                if (Environment.ProcessorCount > 1) Parallel.For(0, 2, _ => { });
            })
            {
                IsBackground = true,
                Name = "campfire method warm-up",
                Priority = ThreadPriority.BelowNormal,
            };
            _thread.Start();
        }
    }

    /// <summary>Waits for the thread (if it was started) and returns how many methods it compiled.</summary>
    public static int Wait()
    {
        Thread? thread;
        lock (Gate) thread = _thread;
        thread?.Join();
        return Volatile.Read(ref _compiled);
    }

    // Non-generic methods with bodies, nested types included; PrepareMethod honours tiering (AggressiveOptimization
    // methods get their final code). A method the runtime cannot prepare ahead is simply compiled on first call, as it
    // would have been: the failure is not an error of the model's.
    private static int Compile(IEnumerable<Type> types)
    {
        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        int compiled = 0;
        foreach (var type in types)
        {
            if (type.ContainsGenericParameters) continue;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.IsAbstract || method.IsGenericMethodDefinition || method.GetMethodBody() is null) continue;
                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or TypeLoadException or BadImageFormatException)
                {
                }
            }
            compiled += Compile(type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic));
        }
        return compiled;
    }
}
