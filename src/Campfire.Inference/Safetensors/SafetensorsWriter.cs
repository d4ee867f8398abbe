using System.Text.Json;

namespace Campfire.Inference.Safetensors;

/// <summary>Writes safetensors files (header padded with spaces to 8 bytes, data in the order given).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        foreach (var entry in entries)
        {
            long expected = entry.DType.ElementSize();
            foreach (long d in entry.Shape) expected *= d;
            if (expected != entry.Data.LongLength)
                throw new ArgumentException($"tensor '{entry.Name}': {entry.Data.Length} bytes for shape [{string.Join(", ", entry.Shape)}] {entry.DType}", nameof(entries));
        }
        byte[] header = EncodeHeader(entries.Select(e => (e.Name, e.DType, e.Shape)).ToList(), metadata);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write(header);
        foreach (var entry in entries) file.Write(entry.Data);
    }

    /// <summary>
    /// The bytes a file starts with (8-byte little-endian length, then the JSON header padded with spaces to 8 bytes) for
    /// tensors stored back to back in the order given; the data follows directly.
    /// </summary>
    public static byte[] EncodeHeader(IReadOnlyList<(string Name, SafetensorsDType DType, long[] Shape)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var header = new MemoryStream();
        header.Write(new byte[8]);
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, shape) in tensors)
            {
                long length = dtype.ElementSize();
                foreach (long d in shape) length *= d;
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (long d in shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        byte[] bytes = header.ToArray();
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>Writes <c>model.safetensors.index.json</c> mapping each tensor name to its shard file name.</summary>
    public static void WriteIndex(string path, IReadOnlyDictionary<string, string> weightMap, long totalSize)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", totalSize);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach (var (name, shard) in weightMap.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(name, shard);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
