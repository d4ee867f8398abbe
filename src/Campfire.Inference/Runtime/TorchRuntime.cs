using System.Runtime.InteropServices;
using TorchSharp;

namespace Campfire.Inference.Runtime;

/// <summary>
/// Loads libtorch once per process: from <c>CAMPFIRE_LIBTORCH_DIR</c> when set (a libtorch 2.10 <c>lib</c> folder, e.g. a
/// PyTorch 2.10 wheel's <c>torch/lib</c>, preloaded by absolute path so TorchSharp's wrapper binds to it), else a
/// <c>libtorch-cpu-linux-x64</c> the app was built with (test projects) or whatever <c>LD_LIBRARY_PATH</c> provides, else
/// the CLI's model support: the libtorch that <c>src/Campfire.ModelSupport</c> installs next to the app, in
/// <c>runtimes/linux-x64/native</c> (or <c>CAMPFIRE_MODEL_SUPPORT_DIR</c>). The CLI does not reference libtorch itself,
/// so its first build downloads none of it. Every failure becomes an <see cref="InferenceDeviceException"/> saying
/// what is missing.
/// </summary>
public static class TorchRuntime
{
    public const string LibTorchDirVariable = "CAMPFIRE_LIBTORCH_DIR";

    /// <summary>Where model support (the CPU libtorch installed by <c>src/Campfire.ModelSupport</c>) is taken from instead
    /// of <c>runtimes/linux-x64/native</c> next to the app; when set, only there (a published app kept apart from its
    /// libtorch, or a test of the absent case).</summary>
    public const string ModelSupportDirVariable = "CAMPFIRE_MODEL_SUPPORT_DIR";

    /// <summary>Optional: libtorch's CPU thread count for every command (what <c>--threads</c> sets per command).</summary>
    public const string ThreadsVariable = "CAMPFIRE_TORCH_THREADS";
    private static readonly Lock Gate = new();
    private static bool _cpuReady;
    private static bool _cudaReady;
    private static bool _preloaded;

    public static torch.Device Initialize(InferenceDevice device)
    {
        lock (Gate)
        {
            if (!_cpuReady) OpenMpWaitPolicy.PreferPassiveBeforeLibTorchLoads();
            PreloadFromVariable(device);
            if (!_cpuReady)
            {
                // Find libtorch first the way TorchSharp does (app native folders, then the loader's search path): when it
                // is absent, TorchSharp would copy ~500 MB from the NuGet cache next to the app and then fail noisily.
                // The app's native folders hold libLibTorchSharp.so, so model support installed there is found here too.
                if (!_preloaded && (Environment.GetEnvironmentVariable(ModelSupportDirVariable) is { Length: > 0 }
                                    || !NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out _)))
                    PreloadModelSupport();
                try
                {
                    torch.InitializeDeviceType(DeviceType.CPU);
                    _cpuReady = true;
                    if (int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), out int threads) && threads > 0)
                        torch.set_num_threads(threads);
                }
                catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
                {
                    throw new InferenceDeviceException(
                        "libtorch could not be loaded: " + FirstLine(Innermost(e).Message) +
                        $" (build with the default -p:TorchBackend=cpu for the bundled CPU libtorch 2.10, or set {LibTorchDirVariable} to the lib folder of a libtorch 2.10)", e);
                }
            }
            if (device == InferenceDevice.Cpu) return torch.CPU;
            if (!_cudaReady)
            {
                string why;
                try
                {
                    torch.InitializeDeviceType(DeviceType.CUDA);
                    why = torch.cuda.is_available() ? "" : "libtorch reports no usable CUDA device";
                }
                catch (Exception e)
                {
                    why = FirstLine(Innermost(e).Message).TrimEnd('.', ' ', ':');
                }
                if (why.Length > 0)
                    throw new InferenceDeviceException(
                        $"--device cuda needs a CUDA build of libtorch 2.10 (libtorch_cuda.so) and an NVIDIA GPU, and none is usable here: {why}. " +
                        $"The bundled libtorch-cpu-linux-x64 has no CUDA. Build with -p:TorchBackend=external and set {LibTorchDirVariable} " +
                        "to a CUDA libtorch 2.10 lib folder (e.g. torch/lib of a PyTorch 2.10 cu12x wheel), or use --device cpu.");
                _cudaReady = true;
            }
            return torch.CUDA;
        }
    }

    /// <summary>
    /// Sets libtorch's intra-op CPU threads (0 keeps its default, one per core). A decode step is many small ops: on a
    /// busy or small machine one thread avoids OpenMP's spin-waiting between them and is often much faster.
    /// </summary>
    public static void SetCpuThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Initialize(InferenceDevice.Cpu);
        if (threads > 0) torch.set_num_threads(threads);
    }

    /// <summary>True when libtorch was (or can be) loaded for the CPU; never throws.</summary>
    public static bool TryInitializeCpu(out string? problem)
    {
        try
        {
            Initialize(InferenceDevice.Cpu);
            problem = null;
            return true;
        }
        catch (InferenceDeviceException e)
        {
            problem = e.Message;
            return false;
        }
    }

    /// <summary>The folder model support is installed in: <c>CAMPFIRE_MODEL_SUPPORT_DIR</c>, else
    /// <c>runtimes/linux-x64/native</c> next to the app (where <c>src/Campfire.ModelSupport</c>'s build puts it).</summary>
    public static string ModelSupportDirectory() =>
        Environment.GetEnvironmentVariable(ModelSupportDirVariable) is { Length: > 0 } dir
            ? dir
            : Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    private static void PreloadModelSupport()
    {
        string dir = ModelSupportDirectory();
        if (!File.Exists(Path.Combine(dir, "libtorch_cpu.so")))
            throw new InferenceDeviceException(
                $"model support is not installed (no libtorch in {dir}): the model commands need the CPU libtorch 2.10 (about 120 MB " +
                "to download, once); ./campfire fetches it on first model use, or run 'dotnet build src/Campfire.ModelSupport -c Release' " +
                $"in the checkout, or set {LibTorchDirVariable} to the lib folder of a libtorch 2.10");
        foreach (string lib in (string[])["libc10.so", "libtorch_cpu.so", "libtorch.so"])
        {
            string path = Path.Combine(dir, lib);
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                throw new InferenceDeviceException($"model support in {dir} is damaged: {lib} failed to load: {FirstLine(e.Message)}", e);
            }
        }
        _preloaded = true;
    }

    private static void PreloadFromVariable(InferenceDevice device)
    {
        string? dir = Environment.GetEnvironmentVariable(LibTorchDirVariable);
        if (string.IsNullOrEmpty(dir) || (_preloaded && device == InferenceDevice.Cpu)) return;
        if (!Directory.Exists(dir))
            throw new InferenceDeviceException($"{LibTorchDirVariable}={dir}: no such folder");
        string[] required = device == InferenceDevice.Cuda
            ? ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"]
            : ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
        foreach (string lib in required)
        {
            string path = Path.Combine(dir, lib);
            if (!File.Exists(path))
                throw new InferenceDeviceException(device == InferenceDevice.Cuda && lib.Contains("cuda", StringComparison.Ordinal)
                    ? $"--device cuda: {path} is missing: {LibTorchDirVariable} must point at a CUDA build of libtorch 2.10"
                    : $"{LibTorchDirVariable}: {path} is missing: point it at the lib folder of a libtorch 2.10");
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                throw new InferenceDeviceException($"{path} failed to load: {e.Message}", e);
            }
        }
        _preloaded = true;
    }

    private static string FirstLine(string text)
    {
        int newline = text.IndexOf('\n');
        return newline < 0 ? text : text[..newline];
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
