using System.Text;
using Campfire.Inference.Model;
using Campfire.Inference.Runtime;
using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Tests.Safetensors;

public sealed class SafetensorsLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("campfire-st-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Path(string name) => System.IO.Path.Combine(_dir, name);

    /// <summary>A file with an explicit header and data area, for malformed cases.</summary>
    private string Raw(string header, int dataBytes, string name = "x.safetensors", long? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)(declaredLength ?? json.Length));
        json.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++) bytes[8 + json.Length + i] = (byte)i;
        File.WriteAllBytes(Path(name), bytes);
        return Path(name);
    }

    private static SafetensorsFormatException Rejects(string path) =>
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());

    [Fact]
    public void A_written_file_reads_back_with_names_dtypes_shapes_bytes_and_metadata()
    {
        var a = new byte[] { 1, 2, 3, 4, 5, 6 };
        var b = new byte[16];
        b[3] = 0x3F;
        SafetensorsWriter.Write(Path("ok.safetensors"),
            [new("a", SafetensorsDType.U8, [2, 3], a), new("b.weight", SafetensorsDType.F32, [4], b)],
            new Dictionary<string, string> { ["format"] = "pt" });
        using var file = SafetensorsFile.Open(Path("ok.safetensors"));
        Assert.Equal("pt", file.Metadata["format"]);
        var info = file.GetInfo("b.weight");
        Assert.Equal(SafetensorsDType.F32, info.DType);
        Assert.Equal(new long[] { 4 }, info.Shape);
        Assert.Equal(b, file.GetBytes(info).ToArray());
        Assert.Equal(a, file.GetBytes(file.GetInfo("a")).ToArray());
        Assert.Equal(0, (8 + file.GetInfo("a").FileOffset - 8) % 8); // header padded to 8 bytes
    }

    [Fact]
    public void A_truncated_data_area_is_rejected_naming_the_tensor()
    {
        SafetensorsWriter.Write(Path("full.safetensors"), [new("w", SafetensorsDType.BF16, [8], new byte[16])]);
        var bytes = File.ReadAllBytes(Path("full.safetensors"));
        File.WriteAllBytes(Path("cut.safetensors"), bytes[..^3]);
        var e = Rejects(Path("cut.safetensors"));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_header_length_past_the_end_of_the_file_is_rejected()
    {
        var e = Rejects(Raw("{}", 0, declaredLength: 4096));
        Assert.Contains("runs past the end", e.Message);
        File.WriteAllBytes(Path("tiny.safetensors"), [1, 2, 3]);
        Assert.Contains("shorter than the 8-byte header length", Rejects(Path("tiny.safetensors")).Message);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected_naming_both()
    {
        var e = Rejects(Raw("""{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}""", 6));
        Assert.Equal("b", e.TensorName);
        Assert.Contains("overlaps tensor 'a'", e.Message);
    }

    [Fact]
    public void An_unknown_dtype_is_rejected_naming_the_tensor()
    {
        var e = Rejects(Raw("""{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}""", 16));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("unknown dtype 'F128'", e.Message);
    }

    [Fact]
    public void A_size_that_does_not_match_shape_times_dtype_is_rejected()
    {
        var e = Rejects(Raw("""{"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,6]}}""", 6));
        Assert.Equal("w", e.TensorName);
        Assert.Contains("needs 12", e.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"U8","shape":[1]}}""", "no data_offsets")]
    [InlineData("""{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}""", "non-negative integer")]
    [InlineData("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}}""", "end before they begin")]
    [InlineData("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", "named twice")]
    [InlineData("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}}""", "unknown field")]
    [InlineData("""{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}""", "not valid JSON")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"__metadata__":{"a":1}}""", "not a string")]
    public void Malformed_headers_are_rejected_with_a_specific_message(string header, string expected)
    {
        var e = Rejects(Raw(header, 2));
        Assert.Contains(expected, e.Message);
        Assert.Contains("x.safetensors", e.Message);
    }

    [Fact]
    public void A_sharded_index_resolves_each_tensor_to_its_shard()
    {
        SafetensorsWriter.Write(Path("s1.safetensors"), [new("a", SafetensorsDType.U8, [1], [7])]);
        SafetensorsWriter.Write(Path("s2.safetensors"), [new("b", SafetensorsDType.U8, [1], [9])]);
        SafetensorsWriter.WriteIndex(Path(SafetensorsCheckpoint.IndexFileName), new Dictionary<string, string> { ["a"] = "s1.safetensors", ["b"] = "s2.safetensors" }, 2);
        using var checkpoint = SafetensorsCheckpoint.OpenFolder(_dir);
        var (file, info) = checkpoint.Get("b");
        Assert.EndsWith("s2.safetensors", file.FilePath);
        Assert.Equal(9, file.GetBytes(info)[0]);
        Assert.Contains("'zzz' is missing", Assert.Throws<ModelCheckpointException>(() => checkpoint.Get("zzz")).Message);
    }

    [Fact]
    public void An_index_naming_a_missing_shard_or_a_tensor_not_in_its_shard_is_rejected()
    {
        SafetensorsWriter.Write(Path("s1.safetensors"), [new("a", SafetensorsDType.U8, [1], [7])]);
        SafetensorsWriter.WriteIndex(Path(SafetensorsCheckpoint.IndexFileName), new Dictionary<string, string> { ["a"] = "s1.safetensors", ["b"] = "s9.safetensors" }, 2);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.OpenFolder(_dir).Dispose());
        Assert.Equal("b", e.TensorName);
        Assert.Contains("does not exist", e.Message);

        SafetensorsWriter.WriteIndex(Path(SafetensorsCheckpoint.IndexFileName), new Dictionary<string, string> { ["a"] = "s1.safetensors", ["b"] = "s1.safetensors" }, 2);
        e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.OpenFolder(_dir).Dispose());
        Assert.Equal("b", e.TensorName);
        Assert.Contains("not found there", e.Message);
    }

    [Fact]
    public void The_same_tensor_in_two_files_is_rejected()
    {
        SafetensorsWriter.Write(Path("s1.safetensors"), [new("a", SafetensorsDType.U8, [1], [7])]);
        SafetensorsWriter.Write(Path("s2.safetensors"), [new("a", SafetensorsDType.U8, [1], [8])]);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.OpenFolder(_dir).Dispose());
        Assert.Contains("also present in", e.Message);
    }

    [Fact]
    public void Loading_a_model_whose_tensor_has_the_wrong_dtype_or_shape_names_that_tensor()
    {
        string folder = Path("model");
        TinyModelWriter.Write(folder, CheckpointLayout.Original, 256, 1);
        string file = System.IO.Path.Combine(folder, "model.safetensors");
        // Rewrite one tensor with a wrong dtype, then with a wrong shape.
        List<SafetensorsEntry> Entries()
        {
            using var st = SafetensorsFile.Open(file);
            return st.Tensors.Values.OrderBy(t => t.FileOffset).Select(t => new SafetensorsEntry(t.Name, t.DType, t.Shape, st.GetBytes(t).ToArray())).ToList();
        }
        var entries = Entries();
        int i = entries.FindIndex(x => x.Name == "block.1.mlp.mlp2_weight.scales");
        entries[i] = entries[i] with { DType = SafetensorsDType.I8 };
        SafetensorsWriter.Write(file, entries);
        var e = Assert.Throws<ModelCheckpointException>(() => GptOssModel.Load(folder, InferenceDevice.Cpu).Dispose());
        Assert.Contains("'block.1.mlp.mlp2_weight.scales' has dtype I8, expected U8", e.Message);

        entries = Entries();
        i = entries.FindIndex(x => x.Name == "block.0.attn.sinks");
        entries[i] = entries[i] with { Shape = [2, 2] };
        SafetensorsWriter.Write(file, entries);
        e = Assert.Throws<ModelCheckpointException>(() => GptOssModel.Load(folder, InferenceDevice.Cpu).Dispose());
        Assert.Contains("'block.0.attn.sinks' has shape [2, 2], expected [4]", e.Message);

        TinyModelWriter.Write(folder, CheckpointLayout.Original, 256, 1);
        entries = Entries();
        entries.RemoveAt(entries.FindIndex(x => x.Name == "norm.scale"));
        SafetensorsWriter.Write(file, entries);
        e = Assert.Throws<ModelCheckpointException>(() => GptOssModel.Load(folder, InferenceDevice.Cpu).Dispose());
        Assert.Contains("'norm.scale' is missing", e.Message);
    }

    [Fact]
    public void A_config_with_bad_fields_is_rejected_naming_the_field()
    {
        string folder = Path("badconfig");
        TinyModelWriter.Write(folder, CheckpointLayout.Original, 256, 1);
        string config = System.IO.Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"head_dim\": 16", "\"head_dim\": \"16\""));
        Assert.Contains("'head_dim' is missing or not a number", Assert.Throws<ModelCheckpointException>(() => GptOssCheckpoint.Open(folder).Dispose()).Message);
        File.WriteAllText(config, "{\"foo\": 1}");
        Assert.Contains("not a gpt-oss config", Assert.Throws<ModelCheckpointException>(() => GptOssCheckpoint.Open(folder).Dispose()).Message);
        Assert.Contains("no such model folder", Assert.Throws<ModelCheckpointException>(() => GptOssCheckpoint.Open(Path("nowhere")).Dispose()).Message);
    }
}
