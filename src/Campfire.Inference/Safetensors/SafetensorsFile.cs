using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Campfire.Inference.Safetensors;

/// <summary>
/// A memory-mapped safetensors file whose header has been fully validated: the header length lies inside the file,
/// every dtype is known, every data range lies inside the data area and has exactly shape × element-size bytes, and
/// no two ranges overlap. Tensor bytes are read straight from the mapping; the file is never copied into a managed array.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Headers beyond this are rejected before parsing (the format's own reference uses the same bound).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _base;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;

    private SafetensorsFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer,
        Dictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = path;
        FileLength = length;
        _map = map;
        _view = view;
        _base = basePointer;
        _tensors = tensors;
        Metadata = metadata;
    }

    public string FilePath { get; }
    public long FileLength { get; }
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsFormatException(path, null, $"cannot open: {e.Message}");
        }
        if (!File.Exists(path))
            throw new SafetensorsFormatException(path, null, "file not found");
        if (length < 8)
            throw new SafetensorsFormatException(path, null, $"file is {length} bytes, shorter than the 8-byte header length");

        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsFormatException(path, null, $"cannot map: {e.Message}");
        }
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            var (tensors, metadata) = ParseHeader(path, new ReadOnlySpan<byte>(pointer, 8), pointer, length);
            return new SafetensorsFile(path, length, map, view, pointer, tensors, metadata);
        }
        catch
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>Validates a header; <paramref name="file"/> points at the whole mapped file of <paramref name="fileLength"/> bytes.</summary>
    private static (Dictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(
        string path, ReadOnlySpan<byte> lengthPrefix, byte* file, long fileLength)
    {
        ulong headerLength = BitConverter.ToUInt64(lengthPrefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw new SafetensorsFormatException(path, null, $"header length {headerLength} runs past the end of the file ({fileLength} bytes): truncated or not a safetensors file");
        if (headerLength > MaxHeaderLength)
            throw new SafetensorsFormatException(path, null, $"header length {headerLength} exceeds {MaxHeaderLength} bytes");
        if (headerLength < 2)
            throw new SafetensorsFormatException(path, null, "header is too short to hold a JSON object");

        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        var header = new ReadOnlySpan<byte>(file + 8, (int)headerLength);
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);

        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, path, null, "header is not a JSON object");
            while (true)
            {
                Read(ref reader, path, null);
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string name = reader.GetString()!;
                if (name == "__metadata__")
                {
                    Expect(ref reader, JsonTokenType.StartObject, path, null, "__metadata__ is not an object");
                    while (true)
                    {
                        Read(ref reader, path, null);
                        if (reader.TokenType == JsonTokenType.EndObject) break;
                        string key = reader.GetString()!;
                        Expect(ref reader, JsonTokenType.String, path, null, $"__metadata__ value of '{key}' is not a string");
                        metadata[key] = reader.GetString()!;
                    }
                    continue;
                }
                if (tensors.ContainsKey(name))
                    throw new SafetensorsFormatException(path, name, "named twice in the header");
                tensors.Add(name, ParseTensor(ref reader, path, name, dataStart, dataLength));
            }
            // Trailing bytes after the object may only be the padding spaces writers add.
            if (reader.Read())
                throw new SafetensorsFormatException(path, null, "unexpected data after the header object");
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"header is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString on ill-formed UTF-8 in a name or string value.
            throw new SafetensorsFormatException(path, null, $"header is not valid UTF-8 JSON: {e.Message}");
        }

        var ordered = tensors.Values.Where(t => t.ByteLength > 0).OrderBy(t => t.FileOffset).ToArray();
        for (int i = 1; i < ordered.Length; i++)
        {
            var previous = ordered[i - 1];
            if (ordered[i].FileOffset < previous.FileOffset + previous.ByteLength)
                throw new SafetensorsFormatException(path, ordered[i].Name,
                    $"data [{ordered[i].FileOffset - dataStart}, {ordered[i].FileOffset - dataStart + ordered[i].ByteLength}) overlaps tensor '{previous.Name}' [{previous.FileOffset - dataStart}, {previous.FileOffset - dataStart + previous.ByteLength})");
        }
        return (tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseTensor(ref Utf8JsonReader reader, string path, string name, long dataStart, long dataLength)
    {
        Expect(ref reader, JsonTokenType.StartObject, path, name, "entry is not an object");
        SafetensorsDType? dtype = null;
        long[]? shape = null;
        long begin = -1, end = -1;
        while (true)
        {
            Read(ref reader, path, name);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            switch (field)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, path, name, "dtype is not a string");
                    string text = reader.GetString()!;
                    if (!SafetensorsDTypes.TryParse(text, out var parsed))
                        throw new SafetensorsFormatException(path, name, $"unknown dtype '{text}'");
                    dtype = parsed;
                    break;
                case "shape":
                    Expect(ref reader, JsonTokenType.StartArray, path, name, "shape is not an array");
                    var dims = new List<long>();
                    while (true)
                    {
                        Read(ref reader, path, name);
                        if (reader.TokenType == JsonTokenType.EndArray) break;
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long d) || d < 0)
                            throw new SafetensorsFormatException(path, name, "shape holds something other than a non-negative integer");
                        dims.Add(d);
                    }
                    shape = dims.ToArray();
                    break;
                case "data_offsets":
                    Expect(ref reader, JsonTokenType.StartArray, path, name, "data_offsets is not an array");
                    Read(ref reader, path, name);
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out begin) || begin < 0)
                        throw new SafetensorsFormatException(path, name, "data_offsets[0] is not a non-negative integer");
                    Read(ref reader, path, name);
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out end) || end < 0)
                        throw new SafetensorsFormatException(path, name, "data_offsets[1] is not a non-negative integer");
                    Expect(ref reader, JsonTokenType.EndArray, path, name, "data_offsets must hold exactly two integers");
                    break;
                default:
                    throw new SafetensorsFormatException(path, name, $"unknown field '{field}'");
            }
        }
        if (dtype is null) throw new SafetensorsFormatException(path, name, "no dtype");
        if (shape is null) throw new SafetensorsFormatException(path, name, "no shape");
        if (begin < 0) throw new SafetensorsFormatException(path, name, "no data_offsets");
        if (end < begin) throw new SafetensorsFormatException(path, name, $"data_offsets [{begin}, {end}) end before they begin");
        if (end > dataLength)
            throw new SafetensorsFormatException(path, name, $"data_offsets [{begin}, {end}) run past the data area ({dataLength} bytes): file truncated?");
        long expected;
        try
        {
            expected = dtype.Value.ElementSize();
            foreach (long d in shape) expected = checked(expected * d);
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException(path, name, "shape is too large");
        }
        if (end - begin != expected)
            throw new SafetensorsFormatException(path, name,
                $"holds {end - begin} bytes but dtype {dtype.Value.ToHeaderName()} with shape [{string.Join(", ", shape)}] needs {expected}");
        return new SafetensorsTensorInfo(name, dtype.Value, shape, dataStart + begin, end - begin);
    }

    private static void Read(ref Utf8JsonReader reader, string path, string? tensor)
    {
        if (!reader.Read())
            throw new SafetensorsFormatException(path, tensor, "header JSON ends early");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path, string? tensor, string problem)
    {
        Read(ref reader, path, tensor);
        if (reader.TokenType != type)
            throw new SafetensorsFormatException(path, tensor, problem);
    }

    public SafetensorsTensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new SafetensorsFormatException(FilePath, name, "not in this file");

    /// <summary>The tensor's raw little-endian bytes, straight from the mapping (valid until Dispose).</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        if (info.ByteLength > int.MaxValue)
            throw new SafetensorsFormatException(FilePath, info.Name, $"{info.ByteLength} bytes do not fit one span; read it with CopyTo in parts");
        return new ReadOnlySpan<byte>(_base + info.FileOffset, (int)info.ByteLength);
    }

    /// <summary>Copies <paramref name="count"/> bytes of the tensor starting at <paramref name="offset"/> to unmanaged memory.</summary>
    public void CopyTo(SafetensorsTensorInfo info, long offset, long count, IntPtr destination)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (count < 0 || offset + count > info.ByteLength) throw new ArgumentOutOfRangeException(nameof(count));
        Buffer.MemoryCopy(_base + info.FileOffset + offset, (void*)destination, count, count);
    }

    /// <summary>Copies the tensor's bytes straight from the mapping into a contiguous CPU tensor of the same size.</summary>
    internal void FillTensor(SafetensorsTensorInfo info, TorchSharp.torch.Tensor destination)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        Model.TensorData.Fill(destination, _base + info.FileOffset, info.ByteLength);
    }

    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map!.Dispose();
    }
}
