namespace Campfire.Inference.Model;

/// <summary>The two published ways gpt-oss weights are laid out on disk.</summary>
public enum CheckpointLayout
{
    /// <summary>openai/gpt-oss's <c>original/</c> folder: <c>config.json</c> with the reference's names + <c>*.safetensors</c>.</summary>
    Original,
    /// <summary>Hugging Face: <c>config.json</c> (GptOssConfig names) + sharded files with <c>model.safetensors.index.json</c>.</summary>
    HuggingFace,
}
