using System.Text.Json;

namespace Campfire.Inference.Safetensors;

/// <summary>
/// The tensors of one checkpoint spread over one or more safetensors files: a sharded checkpoint described by
/// <c>model.safetensors.index.json</c>, or every <c>*.safetensors</c> file of a folder (what openai/gpt-oss's reference
/// reads). A tensor name may appear in one file only.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Info)> _tensors;

    private SafetensorsCheckpoint(string description, List<SafetensorsFile> files, Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)> tensors)
    {
        Description = description;
        _files = files;
        _tensors = tensors;
    }

    /// <summary>The index file or folder this checkpoint was opened from (used in error messages).</summary>
    public string Description { get; }
    public IReadOnlyList<SafetensorsFile> Files => _files;
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>Opens the index in <paramref name="folder"/> when there is one, else every *.safetensors file in it.</summary>
    public static SafetensorsCheckpoint OpenFolder(string folder)
    {
        string index = Path.Combine(folder, IndexFileName);
        if (File.Exists(index)) return OpenIndex(index);
        if (!Directory.Exists(folder))
            throw new ModelCheckpointException($"{folder}: no such folder");
        var paths = Directory.GetFiles(folder, "*.safetensors").OrderBy(p => p, StringComparer.Ordinal).ToArray();
        if (paths.Length == 0)
            throw new ModelCheckpointException($"{folder}: no *.safetensors file and no {IndexFileName}");
        return OpenFiles(folder, paths);
    }

    public static SafetensorsCheckpoint OpenFiles(string description, IReadOnlyList<string> paths)
    {
        var files = new List<SafetensorsFile>();
        var tensors = new Dictionary<string, (SafetensorsFile, SafetensorsTensorInfo)>(StringComparer.Ordinal);
        try
        {
            foreach (string path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var info in file.Tensors.Values)
                {
                    if (tensors.TryGetValue(info.Name, out var other))
                        throw new SafetensorsFormatException(path, info.Name, $"also present in {other.Item1.FilePath}");
                    tensors.Add(info.Name, (file, info));
                }
            }
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
        return new SafetensorsCheckpoint(description, files, tensors);
    }

    /// <summary>Opens a sharded checkpoint: every name in <c>weight_map</c> must be in the shard it names.</summary>
    public static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(indexPath, null, "no weight_map object");
            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                    throw new SafetensorsFormatException(indexPath, p.Name, "weight_map value is not a file name");
                string shard = p.Value.GetString()!;
                if (shard.Length == 0 || Path.GetFileName(shard) != shard)
                    throw new SafetensorsFormatException(indexPath, p.Name, $"shard '{shard}' is not a plain file name");
                weightMap[p.Name] = shard;
            }
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(indexPath, null, $"not valid JSON: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsFormatException(indexPath, null, $"cannot read: {e.Message}");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shards = weightMap.Values.Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal).ToArray();
        foreach (string shard in shards)
        {
            if (!File.Exists(Path.Combine(folder, shard)))
            {
                string tensor = weightMap.First(p => p.Value == shard).Key;
                throw new SafetensorsFormatException(indexPath, tensor, $"shard file '{shard}' does not exist");
            }
        }
        var checkpoint = OpenFiles(indexPath, shards.Select(s => Path.Combine(folder, s)).ToArray());
        foreach (var (name, shard) in weightMap)
        {
            if (!checkpoint._tensors.TryGetValue(name, out var entry) || Path.GetFileName(entry.File.FilePath) != shard)
            {
                checkpoint.Dispose();
                throw new SafetensorsFormatException(indexPath, name, $"listed in shard '{shard}' but not found there");
            }
        }
        return checkpoint;
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public bool TryGet(string name, out SafetensorsFile file, out SafetensorsTensorInfo info)
    {
        if (_tensors.TryGetValue(name, out var entry))
        {
            (file, info) = entry;
            return true;
        }
        file = null!;
        info = null!;
        return false;
    }

    public (SafetensorsFile File, SafetensorsTensorInfo Info) Get(string name) =>
        _tensors.TryGetValue(name, out var entry)
            ? entry
            : throw new ModelCheckpointException($"{Description}: tensor '{name}' is missing");

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
