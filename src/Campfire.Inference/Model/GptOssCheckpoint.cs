using System.Text.Json;
using System.Text.Json.Nodes;
using Campfire.Inference.Safetensors;

namespace Campfire.Inference.Model;

/// <summary>An opened checkpoint folder: its layout (auto-detected), configuration and tensors.</summary>
public sealed class GptOssCheckpoint : IDisposable
{
    private GptOssCheckpoint(string folder, CheckpointLayout layout, GptOssConfig config, SafetensorsCheckpoint tensors)
    {
        Folder = folder;
        Layout = layout;
        Config = config;
        Tensors = tensors;
        Names = CheckpointNames.For(layout);
    }

    public string Folder { get; }
    public CheckpointLayout Layout { get; }
    public GptOssConfig Config { get; }
    public SafetensorsCheckpoint Tensors { get; }
    public CheckpointNames Names { get; }

    /// <summary>
    /// Detects the layout: a <c>config.json</c> with Hugging Face names (<c>num_local_experts</c>) is the HF layout; one
    /// with the reference's names (<c>num_experts</c>) is the original layout; a folder holding only <c>original/</c>
    /// (the HF repository without its root files) is opened there.
    /// </summary>
    public static GptOssCheckpoint Open(string folder)
    {
        if (!Directory.Exists(folder))
            throw new ModelCheckpointException($"{folder}: no such model folder");
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            string original = Path.Combine(folder, "original");
            if (File.Exists(Path.Combine(original, "config.json"))) return Open(original);
            throw new ModelCheckpointException($"{folder}: no config.json (expected a gpt-oss checkpoint: original/ or Hugging Face layout)");
        }
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllBytes(configPath)) as JsonObject
                   ?? throw new ModelCheckpointException($"{configPath}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelCheckpointException($"{configPath}: not valid JSON: {e.Message}");
        }
        CheckpointLayout layout;
        GptOssConfig config;
        if (json.ContainsKey("num_local_experts"))
        {
            layout = CheckpointLayout.HuggingFace;
            config = GptOssConfig.FromHuggingFaceJson(json, configPath);
        }
        else if (json.ContainsKey("num_experts"))
        {
            layout = CheckpointLayout.Original;
            config = GptOssConfig.FromOriginalJson(json, configPath);
        }
        else
        {
            throw new ModelCheckpointException($"{configPath}: neither 'num_experts' (original layout) nor 'num_local_experts' (Hugging Face layout): not a gpt-oss config");
        }
        var tensors = SafetensorsCheckpoint.OpenFolder(folder);
        return new GptOssCheckpoint(folder, layout, config, tensors);
    }

    public void Dispose() => Tensors.Dispose();
}
