using System.Text;
using Campfire.Inference.Runtime;
using TorchSharp;

namespace Campfire.Inference.Tests.Runtime;

public sealed class NativeLibraryTests
{
    private static string OutputCopy => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>Reads the flags of the version need named <paramref name="version"/> from an ELF64 file.</summary>
    private static ushort? VersionNeedFlags(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            int sh = (int)(shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != 0x6ffffffe) continue;
            long need = BitConverter.ToInt64(elf, sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + link * shentsize) + 0x18);
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < count; a++)
                {
                    int name = (int)(strtab + BitConverter.ToUInt32(elf, (int)aux + 8));
                    int end = Array.IndexOf(elf, (byte)0, name);
                    if (Encoding.ASCII.GetString(elf, name, end - name) == version) return BitConverter.ToUInt16(elf, (int)aux + 4);
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return null;
    }

    [Fact]
    public void The_output_copy_of_libLibTorchSharp_has_its_GLIBCXX_3_4_32_need_marked_weak()
    {
        Assert.True(File.Exists(OutputCopy), OutputCopy);
        Assert.Equal(0x2, VersionNeedFlags(OutputCopy, "GLIBCXX_3.4.32")!.Value & 0x2);
    }

    [Fact]
    public void The_packages_folder_copy_is_left_untouched()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(cached)) return; // restored elsewhere: nothing to compare with
        Assert.Equal(0, VersionNeedFlags(cached, "GLIBCXX_3.4.32")!.Value & 0x2);
        Assert.NotEqual(File.ReadAllBytes(cached), File.ReadAllBytes(OutputCopy));
    }

    [Fact]
    public void The_patched_library_loads_and_computes()
    {
        TorchRuntime.Initialize(InferenceDevice.Cpu);
        using var a = torch.ones(3, 4);
        using var b = torch.ones(4, 2);
        using var c = a.matmul(b);
        Assert.Equal(4f, c[2, 1].ToSingle());
    }

    [Fact]
    public void Asking_for_cuda_without_a_cuda_libtorch_says_what_is_missing()
    {
        if (torch.cuda.is_available()) return; // a GPU machine with CUDA libtorch: nothing missing
        var e = Assert.Throws<InferenceDeviceException>(() => TorchRuntime.Initialize(InferenceDevice.Cuda));
        Assert.Contains("CUDA build of libtorch 2.10", e.Message);
        Assert.Contains("CAMPFIRE_LIBTORCH_DIR", e.Message);
    }
}
