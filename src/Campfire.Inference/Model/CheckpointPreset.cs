namespace Campfire.Inference.Model;

/// <summary>The generated checkpoints <c>make-tiny-model</c> can write.</summary>
public enum CheckpointPreset
{
    /// <summary>platform-facts §6: 2 layers, hidden 64, 4 experts (tests, CI).</summary>
    Tiny,
    /// <summary>
    /// Between the two: hidden 1024, 8 layers, 8 experts top-4 (intermediate 1024), 16 query / 4 KV heads of 64, window
    /// 128, vocabulary 201,088, the rest as gpt-oss-20b (~0.97 GB); issue #17's middle checkpoint for measuring decode.
    /// </summary>
    Small,
    /// <summary>gpt-oss-20b's exact configuration and tensor shapes (~13.8 GB), for measuring speed and memory at real scale.</summary>
    GptOss20B,
}
