namespace Campfire.Inference.Model;

/// <summary>The generated checkpoints <c>make-tiny-model</c> can write.</summary>
public enum CheckpointPreset
{
    /// <summary>platform-facts §6: 2 layers, hidden 64, 4 experts (tests, CI).</summary>
    Tiny,
    /// <summary>gpt-oss-20b's exact configuration and tensor shapes (~13.8 GB), for measuring speed and memory at real scale.</summary>
    GptOss20B,
}
