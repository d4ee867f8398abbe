using Campfire.Decoding;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Campfire.Inference.Tests.Model;

public sealed class Mxfp4Tests
{
    public Mxfp4Tests() => TorchRuntime.Initialize(InferenceDevice.Cpu);

    [Fact]
    public void Torch_dequantisation_equals_the_scalar_version_for_every_nibble_and_many_scales()
    {
        var random = new SplitMix64(3);
        const int experts = 2, rows = 5, groups = 3;
        var blocks = new byte[experts * rows * groups * 16];
        var scales = new byte[experts * rows * groups];
        for (int i = 0; i < blocks.Length; i++) blocks[i] = (byte)random.Next(256);
        for (int i = 0; i < scales.Length; i++) scales[i] = (byte)(100 + random.Next(50));
        using var blocksTensor = tensor(blocks, [experts, rows, groups, 16]);
        using var scalesTensor = tensor(scales, [experts, rows, groups]);
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            using var result = Mxfp4.Dequantize(blocksTensor, scalesTensor, dtype);
            Assert.Equal(new long[] { experts, rows, groups * 32 }, result.shape);
            var actual = result.to(ScalarType.Float32).data<float>().ToArray();
            var expected = new float[groups * 32];
            for (int r = 0; r < experts * rows; r++)
            {
                Mxfp4.DequantizeRow(blocks.AsSpan(r * groups * 16, groups * 16), scales.AsSpan(r * groups, groups), expected);
                Assert.Equal(expected, actual.AsSpan(r * groups * 32, groups * 32).ToArray());
            }
        }
    }

    [Fact]
    public void Scalar_dequantisation_follows_e2m1_and_e8m0()
    {
        // byte 0x9F: low nibble 0xF = −6, high nibble 0x9 = −0.5; scale 128 → ×2.
        var blocks = new byte[16];
        blocks[0] = 0x9F;
        blocks[1] = 0x72; // low 2 → 1, high 7 → 6
        var values = new float[32];
        Mxfp4.DequantizeRow(blocks, [128], values);
        Assert.Equal([-12f, -1f, 2f, 12f], values[..4]);
        Assert.All(values[4..], v => Assert.Equal(0f, v));
        Mxfp4.DequantizeRow(blocks, [127 - 3], values);
        Assert.Equal(-6f / 8, values[0]);
    }

    [Fact]
    public unsafe void Tensors_above_the_chunk_size_are_filled_row_chunk_by_row_chunk()
    {
        var bytes = new byte[100 * 7 * 2];
        new Random(4).NextBytes(bytes);
        using var t = empty([100, 7], ScalarType.BFloat16);
        fixed (byte* p = bytes) TensorData.Fill(t, p, bytes.Length, chunkBytes: 64); // 4 rows per chunk, 25 chunks
        Assert.Equal(bytes, t.bytes.ToArray());
    }
}
