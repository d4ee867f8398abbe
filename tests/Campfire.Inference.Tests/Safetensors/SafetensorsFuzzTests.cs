using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Tests.Safetensors;

public sealed class SafetensorsFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("campfire-st-fuzz-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void Mutated_files_either_open_with_consistent_tensors_or_fail_with_a_format_error()
    {
        string valid = Path.Combine(_dir, "valid.safetensors");
        SafetensorsWriter.Write(valid,
        [
            new("a.weight", SafetensorsDType.BF16, [3, 4], new byte[24]),
            new("b", SafetensorsDType.U8, [5], [1, 2, 3, 4, 5]),
            new("c.scales", SafetensorsDType.F32, [2], new byte[8]),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        byte[] original = File.ReadAllBytes(valid);
        var random = new Random(20261125);
        string path = Path.Combine(_dir, "mutant.safetensors");
        int opened = 0, rejected = 0;
        for (int round = 0; round < 600; round++)
        {
            byte[] bytes = original.ToArray();
            switch (round % 4)
            {
                case 0: // flip bytes anywhere (header length, JSON, data)
                    for (int k = 0; k < 1 + random.Next(4); k++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    break;
                case 1: // truncate
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                case 2: // replace a JSON digit or quote with another printable character
                    int at = 8 + random.Next(bytes.Length - 8 - 40);
                    bytes[at] = (byte)"0123456789\"{}[],:-e "[random.Next(20)];
                    break;
                default: // random garbage after a plausible length prefix
                    random.NextBytes(bytes.AsSpan(8));
                    break;
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = SafetensorsFile.Open(path);
                opened++;
                foreach (var info in file.Tensors.Values)
                {
                    Assert.InRange(info.FileOffset + info.ByteLength, 0, bytes.Length);
                    Assert.Equal(info.ByteLength, file.GetBytes(info).Length);
                }
            }
            catch (SafetensorsFormatException e)
            {
                rejected++;
                Assert.Contains("mutant.safetensors", e.Message);
            }
        }
        Assert.True(opened > 10 && rejected > 100, $"opened {opened}, rejected {rejected}");
    }
}
