using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    /// <summary>The types whose methods are compiled ahead, in the order a generation first calls them: the decode
    /// loop, the CPU pass and every type of <c>Campfire.Kernels</c> (its internal helpers included), the sampler, and
    /// the profiler's report last.</summary>
    internal static Type[] Types =>
        [typeof(Campfire.Decoding.DecodeLoopGenerator), typeof(GptOssDecodeModel), typeof(GptOssModel), typeof(CpuForwardPass), typeof(GptOssConfig), typeof(GptOssLayerWeights),
         typeof(KernelAttention), typeof(TensorData), typeof(FusedExperts), typeof(KvCache), typeof(Bf16), typeof(YarnRope), typeof(FileMatVec), typeof(CheckpointFileReader),
         .. typeof(Bf16MatVec).Assembly.GetTypes().Where(type => !type.IsNested),
         typeof(Campfire.Decoding.TokenSampler), typeof(Campfire.Decoding.DecodeProfiler)];

    /// <summary>Starts the thread unless it has started already (or the background work is off, <see cref="WeightPrefetcher.Enabled"/>).</summary>
    public static void Start()
    {
        if (!WeightPrefetcher.Enabled) return;
        lock (Gate)
        {
            if (_thread is not null) return;
            _thread = new Thread(() =>
            {
                // First the few generic helpers (milliseconds), then the ~500 methods of the types (~100 ms), which
                // a small model's first prefill can overtake.
                CompileSharedGenerics();
                Volatile.Write(ref _compiled, Compile(Types));
                // The greedy pick's generic span helpers (IndexOf over floats) compile on their first call, not ahead.
                Campfire.Decoding.TokenSampler.ArgMax(new float[256]);
                Campfire.Decoding.TokenSampler.MaskedArgMax(new float[256], new ulong[4] { ~0UL, ~0UL, ~0UL, ~0UL });
                // The kernels' worker threads, started before the first split product needs them.
                KernelThreads.Start(Environment.ProcessorCount - 1);
            })
            {
                IsBackground = true,
                Name = "campfire method warm-up",
                Priority = ThreadPriority.BelowNormal,
            };
            _thread.Start();
        }
    }

    // Generic library code instantiated over the pass's types compiles on its first call, whatever was prepared above:
    // these calls reach the same instantiations (5–6 ms of a tiny model's first prefill here, found with the runtime's
    // JIT events on the prefill's thread).
    private static void CompileSharedGenerics()
    {
        var pool = ArrayPool<float>.Shared;
        pool.Return(pool.Rent(16));
        var positions = new long[4];
        Array.Fill(positions, -1);
        Array.Resize(ref positions, 8);
        var buffers = new float[]?[1];
        Array.Resize(ref buffers, 2);
        ReadOnlySpan<int> ids = [1, 2, 3];
        _ = ids.CommonPrefixLength([1, 2]) + (ids.Contains(7) ? 1 : 0);
        // Through the real caller: called from this method, the vector exp could be inlined here and never compiled alone.
        FusedExperts.SwiGlu(new float[32], new float[16], 7f, 1.702f);
        Mxfp4Isa? isa = null;
        _ = isa.HasValue;
        _ = GC.AllocateArray<Vector512<float>>(1, pinned: true);
        var bytes = new byte[8];
        _ = MemoryMarshal.Cast<byte, float>(bytes).Length + MemoryMarshal.Cast<byte, ushort>(bytes).Length;
        RuntimeHelpers.RunClassConstructor(typeof(Campfire.Decoding.DecodeMetrics).TypeHandle);
        try
        {
            _ = TorchSharp.torch.get_num_threads();
            // A shape of variables, as the KV cache passes, builds the same inline array (constants would be static data).
            long side = bytes.Length / 8;
            using var tensor = TorchSharp.torch.zeros([side, side, side], TorchSharp.torch.ScalarType.Float32).DetachFromDisposeScope();
        }
        catch (ExternalException)
        {
            // libtorch refused a 1-element tensor: the model's own first call will say why; a warm-up must not end the process.
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
