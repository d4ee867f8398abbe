using System.Text.Json;

namespace Campfire.Inference.Safetensors;

/// <summary>Writes safetensors files (header padded with spaces to 8 bytes, data in the order given).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var header = new MemoryStream();
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
            foreach (var entry in entries)
            {
                long expected = entry.DType.ElementSize();
                foreach (long d in entry.Shape) expected *= d;
                if (expected != entry.Data.LongLength)
                    throw new ArgumentException($"tensor '{entry.Name}': {entry.Data.Length} bytes for shape [{string.Join(", ", entry.Shape)}] {entry.DType}", nameof(entries));
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (long d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.Data.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.Data.LongLength;
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, (ulong)header.Length);
        file.Write(length);
        header.Position = 0;
        header.CopyTo(file);
        foreach (var entry in entries) file.Write(entry.Data);
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
