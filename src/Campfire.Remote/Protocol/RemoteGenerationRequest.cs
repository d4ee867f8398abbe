using Campfire.Harmony.Engine;

namespace Campfire.Remote.Protocol;

/// <summary>One attempt of a generation, as a <see cref="RemoteBackend"/> writes and reads it.</summary>
/// <param name="Settings">The generator's settings (served model name, backend-specific choices such as
/// <see cref="RemoteGeneratorOptions.VllmTokenIds"/>).</param>
/// <param name="Prompt">The rendered prompt, as token ids.</param>
/// <param name="StopTokens">Token ids that end the generation; the server must stream them rather than trim them.</param>
/// <param name="Options">Sampling settings and the token limit.</param>
/// <param name="UseFallback">This replica was found not to support the backend's preferred request form
/// (<see cref="ChunkVerdict.ResendWithFallback"/>): ask in the backend's older form.</param>
public readonly record struct RemoteGenerationRequest(
    RemoteGeneratorOptions Settings,
    ReadOnlyMemory<int> Prompt,
    ReadOnlyMemory<int> StopTokens,
    GenerationOptions Options,
    bool UseFallback);
